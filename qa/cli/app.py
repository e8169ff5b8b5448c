"""The `qa` command: ask, index, serve, add, remove, eval. A thin layer over `qa.collection.Collection`.

    qa ask "When did Azerbaijan and Turkey sign the Shusha Declaration?"
    qa ask --file questions.txt --json        # one JSON object per line, one index load
    qa index                                  # (re)build the index of documents/
    qa serve --port 8000                      # the HTTP API (see README)
    qa index --shards 2                       # a sharded index (qa.distributed)
    qa serve --ray 127.0.0.1:6379 --shards 2 --replicas 2   # served on a Ray cluster

Built with Typer; every setting's option comes from the settings model (`qa.cli.options`). Errors print one line
(`qa: error: ...`, or `qa: no space left on PATH` for a full disk) on stderr, no traceback: exit status 2 for a
usage error (a bad flag or value), 1 for anything else; Ctrl-C exits 130 and SIGTERM 143, with the previous index
still the current one.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qa.cli.options import CORPUS_SETTINGS, RANKING_SETTINGS, with_settings
from qa.config import Settings
from qa.dates import parse_date
from qa.errors import CorpusNotFound, EmptyCorpus, NoSpace, QAError, UsageError
from qa.logs import configure_cli_logging

if TYPE_CHECKING:
    from qa.index import BuildReport
    from qa.models import SkippedFile

app = typer.Typer(name="qa", help="Ask questions over a folder of articles; get the passages that answer them, "
                  "with citations.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

ALL_SETTINGS = (*CORPUS_SETTINGS, *RANKING_SETTINGS)
DOCUMENTS_HINT = "run qa from the folder that holds documents/, or give --documents DIR or QA_DOCUMENTS"
"""The fix for a documents folder that is not there, said after the path qa looked at."""


class Stopped(BaseException):
    """Ctrl-C (SIGINT) or SIGTERM, raised where the command is so that its cleanups run (a build's staging folder
    goes) and the previous index stays the current one. A BaseException of our own: Typer turns a
    KeyboardInterrupt into a silent exit, and `except Exception` blocks must not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


@app.command()
@with_settings(*ALL_SETTINGS, "top_k", "max_per_article")
def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in plain words.", show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Answer every line of FILE (one question a line).",
                                              metavar="FILE")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the HTTP API's response body instead.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show each question word's part of every score.")
                       ] = False,
    full: Annotated[bool, typer.Option("--full", help="Print whole passages, not each one's best sentence with a "
                                       "line of context.")] = False,
    source_prefix: Annotated[str | None, typer.Option(help="Only articles whose file path starts with this.",
                                                      metavar="PATH")] = None,
    date_from: Annotated[str | None, typer.Option(help="Only articles dated on or after (YYYY-MM-DD).",
                                                  callback=_date, metavar="DATE")] = None,
    date_to: Annotated[str | None, typer.Option(help="Only articles dated on or before (YYYY-MM-DD).",
                                                callback=_date, metavar="DATE")] = None,
    *,
    settings: Settings,
) -> int:
    """Answer a question with the best passages and their citations."""
    from qa.cli.asking import answer_questions

    if (question is None) == (file is None):
        raise UsageError("give either a question or --file FILE")
    with skips_named_once():  # a build the question needs names its skipped files once, in `report_build`
        return answer_questions(settings, question, file, as_json=json, explain=explain,
                                source_prefix=source_prefix, date_from=date_from, date_to=date_to,
                                on_build=report_build, full=full)


SHARDS_HELP = "Build (or serve) a sharded index of this many shards (qa.distributed; see the README's \"Past one " \
    "machine\")."


@app.command()
@with_settings(*ALL_SETTINGS)
def index(shards: Annotated[int | None, typer.Option(help=SHARDS_HELP, min=1, max=64)] = None, *,
          settings: Settings) -> int:
    """Build (or rebuild) the index of the documents folder."""
    from qa.index import build_index, folder_size

    if shards is not None:
        return _index_sharded(settings, shards)
    with skips_named_once():
        report = build_index(settings, progress=True)
    size_mb = folder_size(report.path) / 1e6
    rate = report.articles / max(report.seconds, 1e-9)
    print(f"indexed {counted(report.articles, 'article')}, {counted(report.passages, 'passage')} in "
          f"{report.seconds:.1f} s ({rate:.{0 if rate >= 10 else 1}f} files/s); index {size_mb:.1f} MB in "
          f"{report.path}")
    print_skipped(report.skipped)
    return 0


def counted(number: int, noun: str) -> str:
    """"1 article", "2 articles": a count and its noun, in the singular for one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def skipped_line(skipped: list[SkippedFile]) -> str:
    """"skipped 5 files (2 of an unsupported type)": how many files (or parts of one) are not in the index."""
    unsupported = sum(item.reason.startswith("unsupported file type") for item in skipped)
    plural = "" if len(skipped) == 1 else "s"
    return f"skipped {len(skipped)} file{plural}" + (f" ({unsupported} of an unsupported type)" if unsupported else "")


def print_skipped(skipped: list[SkippedFile]) -> None:
    """`qa index`'s list of the files not in the index, each with its reason, after the count."""
    if skipped:
        print(skipped_line(skipped) + ":")
        for item in skipped:
            print(f"  {item.source}: {item.reason}")


def _index_sharded(settings: Settings, shards: int) -> int:
    """`qa index --shards N`: every shard built again from the folder, in one swap."""
    from qa.distributed.store import build_sharded
    from qa.index import folder_size

    with skips_named_once():
        report = build_sharded(settings, shards)
    print(f"indexed {sum(report.articles)} articles, {sum(report.passages)} passages into {shards} shards "
          f"({', '.join(map(str, report.articles))} articles) in {report.seconds:.1f} s; index "
          f"{folder_size(report.build) / 1e6:.1f} MB in {report.build}")
    print_skipped(report.skipped)
    return 0


@app.command()
@with_settings(*ALL_SETTINGS, "host", "port", "workers", "watch")
def serve(ray: Annotated[str | None, typer.Option(
              "--ray", help="Serve a sharded index on the Ray cluster at this address ('auto', or the host:port of "
              "`ray start --head`); needs Ray (qa's ray extra).")] = None,
          shards: Annotated[int | None, typer.Option(help=SHARDS_HELP, min=1, max=64)] = None,
          replicas: Annotated[int, typer.Option(help="With --ray: HTTP replicas (Ray Serve).", min=1, max=64)] = 1,
          *, settings: Settings) -> int:
    """Serve the HTTP API and the question page.

    The address is claimed first (a port in use is one line, before any index is built), then the index is built
    or opened once, then `--workers` processes answer from it (qa/web/serving.py). Ctrl-C or SIGTERM: the workers
    finish the requests in progress, and qa says so in one line (exit status 130 or 143). With --ray and --shards,
    a sharded index is served on a Ray cluster instead (qa/distributed)."""
    from qa.index import open_index
    from qa.web.serving import listen, reserve
    from qa.web.serving import serve as run_server

    if (ray is None) != (shards is None):
        raise UsageError("--ray and --shards go together: qa serve --ray ADDRESS --shards N")
    if ray is not None and shards is not None:
        return _serve_on_ray(settings, ray, shards, replicas)
    listener = reserve(settings.host, settings.port)
    try:
        with skips_named_once():
            index = open_index(settings, progress=True, on_build=report_build)  # once, before workers start
        listen(listener, settings.host, settings.port)
    except BaseException:
        listener.close()
        raise
    print(f"qa: serving {counted(index.manifest['articles'], 'article')} "
          f"({counted(index.manifest['passages'], 'passage')}) "
          f"on http://{settings.host}:{settings.port} (API docs at /docs)", file=sys.stderr, flush=True)
    del index
    # Workers are separate processes: hand them the settings through the environment they read.
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"QA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    os.environ["QA_INDEX_DIR"] = str(settings.resolved_index_dir())
    raise Stopped(run_server(listener, settings.workers))


def _serve_on_ray(settings: Settings, address: str, shards: int, replicas: int) -> int:
    """`qa serve --ray`: what can be refused is refused first, in one line (a bad flag, a port in use, no cluster
    at the address), then the sharded index is brought up to date with the folder here and served on the
    cluster until Ctrl-C or SIGTERM (exit status 130 or 143, as `qa serve`)."""
    from qa.distributed.store import open_sharded

    if settings.watch:
        raise UsageError("--watch (QA_WATCH) is not available with --ray: change the folder through POST and DELETE "
                         "/documents, or run qa index --shards N and start the service again")
    if "workers" in settings.model_fields_set:
        raise UsageError("--workers (QA_WORKERS) is for qa serve on one machine; with --ray, give --replicas N")
    host, colon, port = address.rpartition(":")
    if address != "auto" and not (colon and host and port.isdigit()):
        raise UsageError(f"--ray takes 'auto' or HOST:PORT (the address `ray start --head` printed), not "
                         f"'{address}'")
    try:
        from qa.distributed import cluster
    except ImportError as error:
        raise UsageError(f"--ray needs Ray: pip install 'qa[ray]' ({error})") from None
    _claim_ray_address(settings, address, cluster)
    with skips_named_once():
        report = open_sharded(settings, shards)
    if report is not None:
        print(f"qa: built {shards} shards ({sum(report.passages)} passages) in {report.seconds:.1f} s",
              file=sys.stderr)

    def ready() -> None:
        print(f"qa: serving {shards} shards on the Ray cluster at {address} with {replicas} replica(s) on "
              f"http://{settings.host}:{settings.port} (API docs at /docs)", file=sys.stderr, flush=True)

    raise Stopped(cluster.serve_on_ray(settings, address, shards, replicas, on_ready=ready))


def _claim_ray_address(settings: Settings, address: str, cluster: Any) -> None:
    """Join the cluster (`cluster.connect`: no cluster there, or another qa server on it, said before anything is
    built) and make sure the app can be served on `--host`/`--port`: the port is free, or Ray Serve's proxy holds
    it already (left by a `qa serve --ray` that was killed: the app is served there again); a port in use by
    another program is said as `qa serve` says it, not by Serve's proxy after the start-up, and a Serve whose
    proxy listens elsewhere is refused (`cluster.check_serve_address`)."""
    from qa.web.serving import reserve

    try:
        reserve(settings.host, settings.port).close()
    except QAError as in_use:
        try:
            cluster.connect(address)
        except QAError:
            raise in_use from None
        if cluster.serve_address() != (settings.host, settings.port):
            raise in_use from None
        return
    cluster.connect(address)
    cluster.check_serve_address(settings)


@app.command()
@with_settings(*ALL_SETTINGS)
def add(files: Annotated[list[Path], typer.Argument(help="Article files (.txt, .md, .html, .htm, .pdf, .docx; put "
                                                    ".jsonl feeds into the documents folder).", show_default=False)],
        *, settings: Settings) -> int:
    """Copy articles into the documents folder and index them at once."""
    from qa.collection import Collection

    try:
        documents: Collection | None = Collection(settings=settings)
    except EmptyCorpus:
        documents = None  # a new folder: begun with the first file that is an article
    failures = 0
    for path in files:
        try:
            if documents is None:
                documents, info = Collection.begin(path, settings)
            else:
                info = documents.add(path)
        except QAError as error:
            failures += 1
            print(error_line(error), file=sys.stderr)
            continue
        plural = "" if info.n_passages == 1 else "s"
        print(f"added {info.id} ({info.source}, {info.n_passages} passage{plural})")
    return 1 if failures else 0


@app.command()
@with_settings(*ALL_SETTINGS)
def remove(ids: Annotated[list[str], typer.Argument(help="Document ids, as `qa ask` cites them.", metavar="ID",
                                                    show_default=False)], *, settings: Settings) -> int:
    """Delete articles (by document id) from the folder and the index."""
    from qa.collection import Collection

    documents = Collection(settings=settings)
    failures = 0
    for document_id in ids:
        try:
            info = documents.remove(document_id)
        except QAError as error:
            failures += 1
            print(error_line(error), file=sys.stderr)
            continue
        print(f"removed {info.id} ({info.source})")
    return 1 if failures else 0


@app.command(name="eval")
@with_settings("chunk_words", "chunk_overlap", *RANKING_SETTINGS)
def evaluate(
    dataset: Annotated[str, typer.Argument(help="Benchmark format: beir, squad or multilingual.",
                                           show_default=False)],
    path: Annotated[Path, typer.Argument(help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv), SQuAD "
                                         "v1.1 json file, or multilingual folder (<lang>/ articles, questions.jsonl: "
                                         "tests/data/multilingual).", show_default=False)],
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_title: Annotated[bool, typer.Option("--no-title", help="Do not index passages with their article's title.")
                        ] = False,
    split: Annotated[str | None, typer.Option(
        "--split", metavar="SPLIT", show_default=False,
        help="Which questions: squad and multilingual 'report' (default: the held-out half), 'choose' (the half "
        "defaults are tuned on) or 'all'; beir 'test' (default) or 'train' (qrels/train.tsv, to tune on).")] = None,
    *,
    settings: Settings,
) -> int:
    """Measure retrieval quality on a public benchmark (BEIR, SQuAD) or our multilingual news, through qa's own
    pipeline."""
    from qa.cli.evaluation import run_eval

    if dataset not in ("beir", "squad", "multilingual"):
        raise typer.BadParameter(f"'{dataset}' is not one of: beir, squad, multilingual")
    if no_title:
        settings = settings.model_copy(update={"title_in_passages": False})
    return run_eval(dataset, path, settings, as_json=json, split=split)


@app.command()
@with_settings(*ALL_SETTINGS, "watch")
def mcp(
    url: Annotated[str | None, typer.Option(help="Answer from this running qa server instead of a folder (QA_API_KEY "
                                            "is sent to it).", metavar="URL")] = None,
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP at http://HOST:PORT/mcp instead of "
                                       "stdio.")] = False,
    host: Annotated[str, typer.Option(help="With --http: a loopback address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --http: the port.", min=1, max=65535)] = 8001,
    *,
    settings: Settings,
) -> int:
    r"""Serve the folder's questions and documents over the Model Context Protocol (pip install "qa\[mcp]")."""
    # the backslash: Typer's help reads rich markup, where a bare "[mcp]" is a style tag and vanished
    try:
        from qa.integrations.mcp import run
    except ImportError as error:  # its message says: pip install "qa[mcp]"
        raise QAError(str(error)) from None
    if url is not None and settings.model_fields_set & {"documents", "index_dir"}:
        raise UsageError("give either --documents (a folder) or --url (a running qa server), not both")
    run(settings, url=url, http=http, host=host, port=port)
    return 0


def report_build(report: BuildReport) -> None:
    """One line on stderr when a command had to build or update the index first (the folder changed), then each
    file it skipped, once (`skips_named_once` holds back the reader's own warning about it):

        qa: indexed 2 articles, 11 passages in 0.4 s
        qa: 3 files added, 1 changed and 1 removed: updated the index to 5 articles, 5 passages in 0.2 s
    """
    counts = f"{counted(report.articles, 'article')}, {counted(report.passages, 'passage')} in {report.seconds:.1f} s"
    what = (f"qa: {report.changes}: updated the index to {counts}" if report.changes is not None
            else f"qa: indexed {counts}")
    print(what + (f"; {skipped_line(report.skipped)}:" if report.skipped else ""), file=sys.stderr)
    for skipped in report.skipped:
        print(f"  {skipped.source}: {skipped.reason}", file=sys.stderr)


@contextmanager
def skips_named_once() -> Iterator[None]:
    """While a command builds an index whose skipped files it names itself (`qa index`'s summary,
    `report_build`), the reader's warning for each skipped file is held back, so that each is named once."""
    held = _SkipWarnings()
    log = logging.getLogger("qa")
    log.addFilter(held)
    try:
        yield
    finally:
        log.removeFilter(held)


class _SkipWarnings(logging.Filter):
    """Drops the reader's "skipped ..." warnings (the command names those files in its summary)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.getMessage().startswith("skipped "))


def main(argv: Sequence[str] | None = None) -> int:
    """The `qa` command: run it with `argv` (default: the process's arguments); return the exit status."""
    configure_cli_logging()
    previous = {signum: signal.signal(signum, _stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        result: Any = app(args=list(argv) if argv is not None else None, prog_name="qa", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except UsageError as error:
        print(f"qa: error: {error} (see 'qa {_command(argv)} --help')", file=sys.stderr)
        return 2
    except CorpusNotFound as error:
        print(f"qa: error: {error} ({DOCUMENTS_HINT})", file=sys.stderr)
        return 1
    except QAError as error:
        print(error_line(error), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `qa ask ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # no qa code expected it (a cache folder on a full or read-only disk): still one line
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        where = f": {os.fsdecode(error.filename)}" if error.filename else ""
        said = "no space left on device" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
        print(f"qa: error: {said}{where}", file=sys.stderr)
        return 1
    except Stopped as stop:
        print(f"qa: {'interrupted' if stop.signum == signal.SIGINT else 'terminated'}", file=sys.stderr)
        return 128 + stop.signum
    except typer.Exit as done:
        return done.exit_code
    except Exception as error:
        usage = _usage_error(error)
        if usage is None:
            raise
        return usage
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def error_line(error: QAError) -> str:
    """The one line an error prints: `qa: error: ...`, or `qa: no space left on PATH` for a full disk."""
    return f"qa: {error}" if isinstance(error, NoSpace) else f"qa: error: {error}"


def _usage_error(error: Exception) -> int | None:
    """A usage error of the command line (Typer's: a bad flag or value) as one line; its exit status (2)."""
    exit_code, format_message = getattr(error, "exit_code", None), getattr(error, "format_message", None)
    if not isinstance(exit_code, int) or format_message is None:
        return None
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "qa"
    if not format_message():  # `qa` alone: the help is printed already, and there is nothing else to say
        return exit_code
    print(f"qa: error: {format_message()} (see '{command} --help')", file=sys.stderr)
    return exit_code


def _command(argv: Sequence[str] | None) -> str:
    """The subcommand of a command line (for the hint of a usage error)."""
    words = list(argv) if argv is not None else sys.argv[1:]
    return next((word for word in words if not word.startswith("-")), "")


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)
