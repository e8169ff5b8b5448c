"""The project's exceptions, in one place.

Library code raises these; the edges translate them: the CLI prints the message on one line and exits non-zero,
the HTTP layer answers with a 4xx and the message as `detail`. Messages say what was wrong and, where there is
one, the fix.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


class QAError(Exception):
    """Base class: every error qa raises on purpose."""

    def __reduce__(self) -> tuple[Callable[..., QAError], tuple[type[QAError], tuple[Any, ...]], dict[str, Any]]:
        """Pickled as it is (class, `args`, attributes), not as a call of its constructor: an error raised in a
        process of `qa serve --ray` (an actor) reaches the replica that called it whole, and the HTTP layer answers
        from its attributes (NoSpace's `what`: a 507). Exception's own pickling calls the class with `args`, the
        message alone, which a subclass whose constructor takes other arguments refuses on unpickling; this way no
        subclass needs pickling code of its own."""
        return _rebuilt, (type(self), self.args), self.__dict__


def _rebuilt(kind: type[QAError], args: tuple[Any, ...]) -> QAError:
    """A pickled `QAError`, made without its constructor (its attributes are put back by pickle afterwards)."""
    return kind.__new__(kind, *args)


class CorpusNotFound(QAError):
    """The documents folder does not exist or is not a folder."""


class EmptyCorpus(QAError):
    """The documents folder holds no readable article."""


class InvalidRequest(QAError):
    """A request qa cannot answer as asked (answered with 422)."""


class InvalidQuestion(InvalidRequest):
    """The question cannot be asked (empty, too long)."""


class UnreadableFile(QAError):
    """A file of the documents folder cannot be used as an article; the message is the reason (it is shown)."""


class DocumentNotFound(QAError):
    """No article has the requested id."""


class IndexFormatError(QAError):
    """A saved index is missing, corrupt, or was written by another format version."""


class UsageError(QAError):
    """A command line that cannot be run as written (the `qa` command exits with status 2)."""


class ConfigError(QAError):
    """A setting has a value qa cannot use."""


class Unauthorized(QAError):
    """The request needs a valid API key (answered with 401)."""


class Forbidden(QAError):
    """The request is not allowed by the configuration (answered with 403)."""


class EvaluationDataError(QAError):
    """A benchmark folder or file (`qa eval`) is missing or not in the expected format."""


class Conflict(QAError):
    """A write that clashes with what the documents folder holds (a folder where the file would go): 409."""


class Unavailable(QAError):
    """Not answerable now, but soon: a shard of a sharded index is restarting or an update is switching them
    (`qa.distributed`): 503 with Retry-After over HTTP."""


class NoSpace(QAError):
    """A write ran out of disk space or quota (ENOSPC, EDQUOT): 507 over HTTP, "qa: no space left on PATH" on the
    command line. Nothing of the write is left behind."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"no space left on {path}")
        self.path = path
        self.what = what
        """What could not be written, said to HTTP clients instead of the path: "documents folder", "index"."""


class NotWritable(QAError):
    """The documents or index folder cannot be written (read-only file system, permission denied): 403."""

    def __init__(self, path: Path, what: str, reason: str) -> None:
        super().__init__(f"cannot write to {path}: {reason}")
        self.path = path
        self.what = what
        self.reason = reason


_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")
"""numpy's `tofile` (under `np.save`) reports a write the disk took only part of with this message and no errno."""


def disk_error(error: OSError, path: Path, what: str) -> QAError | None:
    """The `QAError` a failed write to `path` stands for (no space, not writable), or None for any other error."""
    if error.errno in _NO_SPACE or (error.errno is None and _SHORT_WRITE.fullmatch(str(error))):
        return NoSpace(path, what)
    if error.errno in _NOT_WRITABLE:
        return NotWritable(path, what, error.strerror or str(error))
    return None
