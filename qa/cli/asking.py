"""`qa ask`: one question, or every line of a file, answered from one index load."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import orjson

from qa.answer.search import Searcher, validate_question
from qa.cli.render import render_answer, use_color
from qa.collection import Collection, make_filter
from qa.config import Settings
from qa.errors import InvalidRequest, QAError, UsageError
from qa.index import BuildReport
from qa.models import Filter
from qa.ranking import loops


def answer_questions(settings: Settings, question: str | None, file: Path | None, *, as_json: bool, explain: bool,
                     source_prefix: str | None, date_from: str | None, date_to: str | None,
                     on_build: Callable[[BuildReport], None], full: bool = False) -> int:
    """Print the answer to `question`, or to every line of `file` (one answer per line, in order: a blank or bad
    line gets its error in its place). A single question that cannot be asked (empty, too long) is a usage error
    (exit status 2), like a bad flag, raised before any index is opened or built. `full`: whole
    passages rather than each one's best sentence with a line of context."""
    questions = _read_questions(file) if file is not None else [question or ""]
    if file is None:  # before a build: a bad question fails at once, as a usage error (exit 2) like a bad flag
        try:
            validate_question(questions[0], settings.top_k)
        except InvalidRequest as error:
            raise UsageError(str(error)) from None
    where = make_filter(source_prefix, date_from, date_to)
    with loops.numpy_only() if file is None else nullcontext():  # one question: no numba (qa.ranking.loops)
        searcher = Collection(settings=settings, progress=True, on_build=on_build).searcher
        return _print_answers(searcher, settings, questions, file, as_json=as_json, explain=explain, where=where,
                              full=full)


def _print_answers(searcher: Searcher, settings: Settings, questions: list[str], file: Path | None, *,
                   as_json: bool, explain: bool, where: Filter, full: bool) -> int:
    color = use_color(sys.stdout.isatty())
    width = min(shutil.get_terminal_size().columns, 120)
    failures = 0
    for number, text in enumerate(questions, start=1):
        try:
            answer = searcher.ask(text, settings.top_k, explain_scores=explain, where=where)
        except QAError as error:  # one bad line of a file does not stop the others
            failures += 1
            if as_json:
                body = {"question": text, "detail": str(error)} | ({"line": number} if file is not None else {})
                print(orjson.dumps(body).decode(), flush=True)
            else:
                where_said = f"line {number}: " if file is not None else ""
                print(f"qa: error: {where_said}{error}", file=sys.stderr)
            continue
        if as_json:
            print(orjson.dumps(answer).decode(), flush=True)
            continue
        if len(questions) > 1:
            print(("\n" if number > 1 else "") + f"Q: {text}")
        print(render_answer(answer, color=color, width=width, full=full), flush=True)
    return 1 if failures and file is None else 0


def _read_questions(path: Path) -> list[str]:
    """Every line of the file, blank ones included (each gets an answer or an error in its place)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise QAError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise QAError(f"{path} is not UTF-8 text (save it as UTF-8, one question a line)") from None
    if not any(line.strip() for line in lines):
        raise QAError(f"{path} has no questions (one question a line)")
    return [line.strip() for line in lines]
