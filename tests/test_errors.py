"""qa's errors survive pickling whole: `qa serve --ray` raises them in actors, and the replica that called answers
from the error it receives (its class, message and attributes: NoSpace's `what` makes a 507)."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import pytest

from qa.errors import NoSpace, NotWritable, QAError

if importlib.util.find_spec("ray") is not None:
    import qa.distributed.cluster  # noqa: F401  (its errors too, where Ray is installed)

REAL_ARGUMENTS: dict[str, tuple[Any, ...]] = {
    "NoSpace": (Path("/srv/index"), "index"),
    "NotWritable": (Path("/srv/docs"), "documents folder", "Read-only file system"),
    "AlreadyServing": ("127.0.0.1:6379",),
}
"""The constructor's arguments of each error whose constructor is its own; the others take the message."""


class Counted(QAError):
    """An error written without pickling code, whose constructor takes other arguments than its message."""

    def __init__(self, count: int, *, where: str) -> None:
        super().__init__(f"{count} files refused in {where}")
        self.count = count
        self.where = where


def _qa_errors() -> list[type[QAError]]:
    """Every subclass of QAError that qa defines (at any depth), QAError too."""
    found: list[type[QAError]] = []
    todo: list[type[QAError]] = [QAError]
    while todo:
        kind = todo.pop()
        if kind.__module__.split(".")[0] == "qa":
            found.append(kind)
        todo.extend(kind.__subclasses__())
    return found


def _round_trip(error: QAError) -> QAError:
    again: QAError = pickle.loads(pickle.dumps(error))
    return again


@pytest.mark.parametrize("kind", _qa_errors(), ids=lambda kind: kind.__name__)
def test_every_qa_error_survives_pickling(kind: type[QAError]) -> None:
    """Each arrives as the same class with the same message, args and attributes, not as an unpickling error."""
    if kind.__init__ is not Exception.__init__:
        assert kind.__name__ in REAL_ARGUMENTS, f"{kind.__name__} takes its own arguments: add them here"
    error = kind(*REAL_ARGUMENTS.get(kind.__name__, ("what went wrong; the fix",)))
    again = _round_trip(error)
    assert type(again) is kind
    assert (str(again), again.args, vars(again)) == (str(error), error.args, vars(error))


def test_the_errors_found_include_the_ones_with_their_own_arguments() -> None:
    names = {kind.__name__ for kind in _qa_errors()}
    assert {"QAError", "InvalidQuestion", "NoSpace", "NotWritable"} <= names
    if importlib.util.find_spec("ray") is not None:
        assert {"AlreadyServing", "ClusterUnavailable"} <= names


def test_the_attributes_the_http_layer_reads() -> None:
    full = _round_trip(NoSpace(Path("/x"), "index"))
    assert isinstance(full, NoSpace) and str(full) == "no space left on /x"
    assert (full.path, full.what) == (Path("/x"), "index")
    refused = _round_trip(NotWritable(Path("/x"), "index", "Permission denied"))
    assert isinstance(refused, NotWritable) and str(refused) == "cannot write to /x: Permission denied"
    assert (refused.path, refused.what, refused.reason) == (Path("/x"), "index", "Permission denied")


def test_a_new_error_needs_no_pickling_code_of_its_own() -> None:
    """The mechanism is QAError's: a subclass with keyword arguments and no __reduce__ arrives whole."""
    again = _round_trip(Counted(3, where="docs"))
    assert type(again) is Counted and str(again) == "3 files refused in docs"
    assert (again.count, again.where) == (3, "docs")


def test_notes_survive_pickling() -> None:
    """What `add_note` added to an error (kept in its attributes) is not lost on the way."""
    error = NoSpace(Path("/x"), "index")
    error.add_note("while adding a.txt")
    assert _round_trip(error).__notes__ == ["while adding a.txt"]
