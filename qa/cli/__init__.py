"""The command-line layer: the `qa` command (`app`), how answers look in a terminal (`render`), and `qa eval`
(`evaluation`)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """The `qa` command. A plain `qa ask "..."` on an index that is up to date is answered by `qa.cli.quick`
    without the imports the other commands need (Typer, pydantic, numba); everything else by `qa.cli.app`."""
    from qa.cli.quick import answer_quickly

    done = answer_quickly(argv)
    if done is not None:
        return done
    from qa.cli.app import main as full_main

    return full_main(argv)
