"""Dates, parsed in one place: filters, metadata and the CLI all use `parse_date` and `date_prefix`.

A date in qa is a real calendar day written `YYYY-MM-DD`. Filters refuse anything else (2024-13-01 and 2024-02-30
are not dates), and metadata dates that start with something that is not a real day are ignored.

    >>> parse_date("2024-02-29")
    '2024-02-29'
    >>> date_prefix("2021-06-18T09:30:00+02:00")
    '2021-06-18'
"""

from __future__ import annotations

import re
from datetime import date

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: str) -> str:
    """`value` when it is a real day written YYYY-MM-DD; ValueError, saying what is wrong, otherwise."""
    match = _ISO_DAY.fullmatch(value)
    if not match:
        raise ValueError(f"'{value}' is not a date like 2024-03-01 (YYYY-MM-DD)")
    try:
        date(*map(int, match.groups()))
    except ValueError as error:
        raise ValueError(f"'{value}' is not a real date ({error})") from None
    return value


def date_prefix(value: str | None) -> str | None:
    """The real YYYY-MM-DD day that starts `value` (metadata such as '2021-06-18T09:30'), or None."""
    if not value:
        return None
    match = _ISO_DAY.match(value)
    if not match:
        return None
    try:
        return parse_date(match.group())
    except ValueError:
        return None
