"""Child processes that never outlive their parent."""

from __future__ import annotations

import signal


def die_with_parent() -> None:
    """Linux: this (child) process is killed when its parent dies: a killed build or server leaves no orphan."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
