"""Which loops answer questions in this process: the compiled kernels (numba), or NumPy alone.

The compiled kernels (`qa.ranking.kernels`) are the fast way for a process that answers many questions: a server,
`qa ask --file`, a benchmark. But importing numba and loading their cached machine code takes about half a second,
a hundred times what one question's search costs, so a process that answers one question and exits (`qa ask
"..."`) answers within `numpy_only()` and scores with `qa.ranking.plain`, which returns the same passages with
the same scores (tests/test_plain.py compares them). Building an index always uses the kernels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_numpy_only = False


@contextmanager
def numpy_only() -> Iterator[None]:
    """Within the block, questions are answered with NumPy alone (numba is not imported for them)."""
    global _numpy_only
    before, _numpy_only = _numpy_only, True
    try:
        yield
    finally:
        _numpy_only = before


def compiled() -> ModuleType | None:
    """The compiled kernels module (imported on first use), or None when this process answers with NumPy."""
    if _numpy_only:
        return None
    from qa.ranking import kernels  # lazy: numba's import and the cached machine code cost ~0.5 s

    return kernels
