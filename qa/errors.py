"""The project's exceptions, in one place.

Library code raises these; the edges translate them: the CLI prints the message on one line and exits non-zero,
the HTTP layer answers with a 4xx and the message as `detail`. Messages say what was wrong and, where there is
one, the fix.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: every error qa raises on purpose."""


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
