"""The command-line layer: the `qa` command (`app`), how answers look in a terminal (`render`), and `qa eval`
(`evaluation`)."""

from qa.cli.app import main

__all__ = ["main"]
