"""`qa eval`: retrieval quality on public benchmarks (BEIR SciFact, SQuAD v1.1). Being written (issue 4)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from qa.config import Settings
from qa.errors import QAError


def add_eval_arguments(parser: argparse.ArgumentParser,
                       add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser.add_argument("dataset", choices=["beir", "squad"], help="benchmark format")
    parser.add_argument("path", help="BEIR folder or SQuAD json file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_common(parser)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    raise QAError("qa eval is not available yet")
