"""The `qa` command: ask, index, serve, add, remove, eval. A thin layer over `qa.collection.Collection`.

    qa ask "When did Azerbaijan and Turkey sign the Shusha Declaration?"
    qa ask --file questions.txt --json        # one JSON object per line, one index load
    qa index                                  # (re)build the index of documents/
    qa serve --port 8000                      # the HTTP API (see README)

Errors print one line (`qa: error: ...`) on stderr and exit with status 1 (2 for a bad flag); no traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from qa.config import MAX_TOP_K, Settings, make_settings
from qa.dates import parse_date
from qa.errors import QAError
from qa.logs import configure_cli_logging

log = logging.getLogger("qa")

if TYPE_CHECKING:
    from qa.index import BuildReport


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _iso_date(value: str) -> str:
    try:
        return parse_date(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("corpus and index (also QA_* environment variables)")
    group.add_argument("--documents", type=Path, metavar="DIR", help="folder of articles [QA_DOCUMENTS, documents]")
    group.add_argument("--index-dir", type=Path, metavar="DIR",
                       help="where the index is kept [QA_INDEX_DIR, ~/.cache/qa/<folder>-<hash>]")
    group.add_argument("--chunk-words", type=int, metavar="N", help="target passage length in words [500]")
    group.add_argument("--chunk-overlap", type=int, metavar="N", help="sentences shared by neighbouring passages [1]")
    group.add_argument("--k1", type=float, help="BM25 k1 [1.2]")
    group.add_argument("--b", type=float, help="BM25 b [0.75]")
    group.add_argument("--epsilon", type=float, help="BM25Okapi IDF floor, as a share of the mean IDF [0.25]")
    group.add_argument("--proximity-weight", type=float, metavar="W",
                       help="bonus for question terms near each other; 0: BM25 alone [0.2]")
    group.add_argument("--proximity-window", type=int, metavar="N", help="terms apart that count as near [10]")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qa", description="Ask questions over a folder of articles; get cited passages.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    ask = commands.add_parser("ask", help="answer a question with the best passages and their citations")
    ask.add_argument("question", nargs="?", help="the question, in plain words")
    ask.add_argument("--top-k", type=int, metavar="N", help=f"passages to show, 1..{MAX_TOP_K} [QA_TOP_K, 3]")
    ask.add_argument("--json", action="store_true", help="print the HTTP API's response body instead")
    ask.add_argument("--file", type=Path, metavar="FILE", help="answer every line of FILE (one question a line)")
    ask.add_argument("--explain", action="store_true", help="show each question term's part of every score")
    ask.add_argument("--max-per-article", type=int, metavar="N",
                     help="at most N passages of one article (0: no limit) [QA_MAX_PER_ARTICLE, 0]")
    ask.add_argument("--source-prefix", metavar="PATH", help="only articles whose file path starts with PATH")
    ask.add_argument("--date-from", type=_iso_date, metavar="YYYY-MM-DD", help="only articles dated on or after")
    ask.add_argument("--date-to", type=_iso_date, metavar="YYYY-MM-DD", help="only articles dated on or before")
    _common(ask)

    index = commands.add_parser("index", help="build (or rebuild) the index of the documents folder")
    _common(index)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on [127.0.0.1: this machine only; 0.0.0.0 serves every network]")
    serve.add_argument("--port", type=int, default=8000, help="port [8000]")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes; they share the memory-mapped index [1]")
    serve.add_argument("--watch", action="store_true", default=None,
                       help="rebuild in the background when the documents folder changes [QA_WATCH]")
    _common(serve)

    add = commands.add_parser("add", help="copy articles into the documents folder and index them at once")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE", help="article files (.txt, .md)")
    _common(add)

    remove = commands.add_parser("remove", help="delete articles (by document id) from the folder and the index")
    remove.add_argument("ids", nargs="+", metavar="ID", help="document ids, as `qa ask` cites them")
    _common(remove)

    from qa.cli.evaluation import add_eval_arguments  # the evaluation commands live with the evaluation code

    evaluate = commands.add_parser("eval", help="measure retrieval quality on a public benchmark (BEIR, SQuAD)")
    add_eval_arguments(evaluate, _common)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return make_settings(documents=args.documents, index_dir=args.index_dir, chunk_words=args.chunk_words,
                         chunk_overlap=args.chunk_overlap, k1=args.k1, b=args.b, epsilon=args.epsilon,
                         proximity_weight=args.proximity_weight, proximity_window=args.proximity_window,
                         top_k=getattr(args, "top_k", None), max_per_article=getattr(args, "max_per_article", None),
                         watch=getattr(args, "watch", None))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_cli_logging()
    try:
        commands = {"ask": _ask, "index": _index, "serve": _serve, "eval": _eval, "add": _add, "remove": _remove}
        return commands[args.command](args)
    except QAError as error:
        print(f"qa: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `qa ask ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _report_build(report: BuildReport) -> None:
    print(f"qa: indexed {report.articles} articles ({report.passages} passages) in {report.seconds:.1f} s"
          + (f", skipped {len(report.skipped)} file(s)" if report.skipped else ""), file=sys.stderr)


def _ask(args: argparse.Namespace) -> int:
    from qa.answer.search import validate_question
    from qa.cli.render import render_answer, use_color
    from qa.collection import Collection, make_filter

    if (args.question is None) == (args.file is None):
        raise QAError("give either a question or --file FILE")
    settings = _settings(args)
    if args.file is not None:
        questions = _read_questions(args.file)
    else:
        validate_question(args.question, settings.top_k)
        questions = [args.question]
    where = make_filter(args.source_prefix, args.date_from, args.date_to)
    searcher = Collection(settings=settings, progress=True, on_build=_report_build).searcher
    color = use_color(sys.stdout.isatty())
    width = min(shutil.get_terminal_size().columns, 120)
    failures = 0
    for number, question in enumerate(questions):
        if args.json:
            import orjson

            try:
                answer = searcher.ask(question, settings.top_k, explain_scores=args.explain, where=where)
                print(orjson.dumps(answer).decode(), flush=True)
            except QAError as error:  # one bad line of a file does not stop the others
                failures += 1
                print(f'{{"question": {_json_string(question)}, "error": {_json_string(str(error))}}}', flush=True)
            continue
        if len(questions) > 1:
            print(("\n" if number else "") + f"Q: {question}")
        try:
            answer = searcher.ask(question, settings.top_k, explain_scores=args.explain, where=where)
            print(render_answer(answer, color=color, width=width))
        except QAError as error:
            failures += 1
            print(f"qa: error: {error}", file=sys.stderr)
    return 1 if failures and len(questions) == 1 else 0


def _read_questions(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise QAError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise QAError(f"{path} is not UTF-8 text") from None
    questions = [line.strip() for line in lines if line.strip()]
    if not questions:
        raise QAError(f"{path} has no questions (one question a line)")
    return questions


def _json_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def _index(args: argparse.Namespace) -> int:
    from qa.index import build_index, folder_size

    report = build_index(_settings(args), progress=True)
    size_mb = folder_size(report.path) / 1e6
    print(f"indexed {report.articles} articles, {report.passages} passages in {report.seconds:.1f} s "
          f"({report.articles / max(report.seconds, 1e-9):.0f} files/s); index {size_mb:.1f} MB in {report.path}")
    if report.skipped:
        print(f"skipped {len(report.skipped)} file(s):")
        for skipped in report.skipped:
            print(f"  {skipped.source}: {skipped.reason}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from qa.collection import Collection

    live = Collection(settings=_settings(args))
    failures = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as error:
            failures += 1
            print(f"qa: error: cannot read {path}: {error.strerror or error}", file=sys.stderr)
            continue
        try:
            info = live.add_file(path.name, data)
        except QAError as error:
            failures += 1
            print(f"qa: error: {error}", file=sys.stderr)
            continue
        plural = "" if info.n_passages == 1 else "s"
        print(f"added {info.id} ({info.source}, {info.n_passages} passage{plural})")
    return 1 if failures else 0


def _remove(args: argparse.Namespace) -> int:
    from qa.collection import Collection

    live = Collection(settings=_settings(args))
    failures = 0
    for document_id in args.ids:
        try:
            info = live.remove(document_id)
        except QAError as error:
            failures += 1
            print(f"qa: error: {error}", file=sys.stderr)
            continue
        print(f"removed {info.id} ({info.source})")
    return 1 if failures else 0


def _eval(args: argparse.Namespace) -> int:
    from qa.cli.evaluation import run_eval

    return run_eval(args, _settings(args))


def _serve(args: argparse.Namespace) -> int:
    from qa.index import open_index
    from qa.web.serving import serve

    settings = _settings(args)
    if not 1 <= args.port <= 65535:
        raise QAError(f"--port must be between 1 and 65535, not {args.port}")
    if args.workers < 1:
        raise QAError(f"--workers must be at least 1, not {args.workers}")
    index = open_index(settings, progress=True, on_build=_report_build)  # build once, before workers start
    print(f"qa: serving {index.manifest['articles']} articles ({index.manifest['passages']} passages) "
          f"on http://{args.host}:{args.port} (API docs at /docs)", file=sys.stderr)
    del index
    # Workers are separate processes: hand them the settings through the environment they read.
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"QA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    os.environ["QA_INDEX_DIR"] = str(settings.resolved_index_dir())
    serve(args.host, args.port, args.workers)
    return 0
