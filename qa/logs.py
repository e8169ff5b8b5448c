"""Logging, set up in one place: the command line's one-line messages and the service's access and error logs.

- The `qa` command (`configure_cli_logging`): warnings of the `qa` logger as `qa: warning: ...` on stderr (info
  with `QA_VERBOSE`); the libraries that read files (pypdf, trafilatura, ...) are quiet, since qa reports skipped
  files itself.
- The HTTP service (`configure_service_logging`): `qa.access` (one line per request) and `qa.service`
  (unexpected errors, with their traceback) on stderr, as text or one JSON object a line; the same libraries are
  quiet (python-multipart among them: a broken upload is a 422 whose `detail` says why).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

_QUIET_LIBRARIES = ("pypdf", "trafilatura", "htmldate", "courlan", "justext", "python_multipart", "multipart")
"""Libraries that log warnings of their own about a bad file or form ("EOF marker not found", "Expected boundary
character 45, got 103 at index 2"): bare lines without qa's format, saying what qa reports itself, in its own words
(a skipped file and its reason; a 422 `detail` and the access line). Their errors are still shown.
("multipart" is python-multipart's logger before 0.0.13.)"""


def quiet_libraries() -> None:
    """Show only errors of the libraries in `_QUIET_LIBRARIES` (the command line and the service alike)."""
    for noisy in _QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.ERROR)


def configure_cli_logging() -> None:
    """The `qa` logger: one line per message on stderr, warnings and above (info with QA_VERBOSE)."""
    log = logging.getLogger("qa")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("qa: %(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO if os.environ.get("QA_VERBOSE") else logging.WARNING)
    log.propagate = False
    quiet_libraries()


_ACCESS_FIELDS = ("client", "method", "path", "route", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the access fields when present, and `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_service_logging(log_format: str, access: bool) -> None:
    """Give the service's loggers (`qa.access`, `qa.service`) one stderr handler in `log_format` ("text" or "json").

    Access lines are logged at INFO (WARNING when `access` is off, which silences them). The handler is added once
    per process (a later app updates its format); these loggers do not propagate, so a host's handler on `qa`
    (the CLI's) never prints a line twice. A handler the host put on them itself is left alone.
    """
    formatter = (JsonFormatter() if log_format == "json"
                 else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    access_log, errors = logging.getLogger("qa.access"), logging.getLogger("qa.service")
    for logger in (access_log, errors):
        ours = [h for h in logger.handlers if isinstance(h, _StderrHandler)]
        if logger.handlers and not ours:
            continue
        handler = ours[0] if ours else _StderrHandler()
        handler.setFormatter(formatter)
        if not ours:
            logger.addHandler(handler)
        logger.propagate = False
    access_log.setLevel(logging.INFO if access else logging.WARNING)
    quiet_libraries()
