"""Limits and defaults that layers below the settings use, kept apart from the `Settings` model (qa/config.py,
which re-exports them): pydantic and pydantic-settings take 0.15 s to import, which a one-question `qa ask`
(qa/cli/quick.py) does without.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
from pathlib import Path

from qa.errors import InvalidRequest

MAX_QUESTION_CHARS = 2000
"""Longest question accepted (characters). Longer ones are refused with 422: a question is a sentence or two,
and a cap keeps one request from analysing a whole book."""

MAX_TOP_K = 100
"""Largest number of passages one request may ask for."""

PROXIMITY_WEIGHT = 0.2
PROXIMITY_WINDOW = 10
"""Defaults of the proximity stage (`qa.proximity`), measured on BEIR SciFact and SQuAD."""

SENTENCE_WEIGHT = 0.05
SENTENCE_WEIGHT_REST = 0.5
"""Defaults of the best-sentence stage (`qa.answer.sentence_stage`): its weight for the first place, and for the
places after it; chosen on the SQuAD and BBC choose halves."""

_DIGITS = re.compile(r"[+-]?[0-9]{1,4000}")  # int() reads up to 4,300 digits
_SHOWN_CHARS = 40


def passage_count(name: str, value: object, least: int = 1) -> int:
    """`value` as a number of passages (`top_k`: `least` 1; `max_per_article`: 0, no limit), or `InvalidRequest`
    with `count_problem`'s message. The one rule every edge applies (Python, HTTP, the CLI, MCP, the retrievers),
    so that each refuses the same values in the same words. An int (numpy's integers too); a bool, a float or a
    string is refused here: the edges that receive text (a flag, a URL's query) read it with `count_from_text`."""
    if type(value) is int and least <= value <= MAX_TOP_K:  # every question passes here: the common case first
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and least <= int(value) <= MAX_TOP_K:
        return int(value)
    raise InvalidRequest(count_problem(name, value, least))


def count_from_text(name: str, text: str, least: int = 1) -> int:
    """`passage_count` of a number written as text ("3", from `--top-k 3` or `?top_k=3`); anything else, "2.5",
    "many", is refused with the same message."""
    stripped = text.strip()
    if _DIGITS.fullmatch(stripped):
        return passage_count(name, int(stripped), least)
    raise InvalidRequest(count_problem(name, text, least))


def count_problem(name: str, value: object, least: int = 1) -> str:
    """What a bad number of passages is told, wherever it is caught: "top_k must be a whole number from 1 to 100,
    not 0". A value of any size is shown briefly (10**5000 cannot even be printed whole)."""
    lowest = "0 (no limit)" if least == 0 else str(least)
    return f"{name} must be a whole number from {lowest} to {MAX_TOP_K}, not {_shown(value)}"


def _shown(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 100:  # 31 digits or more
        return f"a number of about {round(value.bit_length() * math.log10(2))} digits"
    if isinstance(value, str) and len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS] + "...")
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."


def default_index_dir(documents: Path) -> Path:
    """Where a documents folder's index goes when no index folder is given: one per folder, under the user's cache
    (never inside the folder)."""
    resolved = documents.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "qa" / f"{resolved.name or 'root'}-{digest}"
