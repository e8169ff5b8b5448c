"""Limits and defaults that layers below the settings use, kept apart from the `Settings` model (qa/config.py,
which re-exports them): pydantic and pydantic-settings take 0.15 s to import, which a one-question `qa ask`
(qa/cli/quick.py) does without.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MAX_QUESTION_CHARS = 2000
"""Longest question accepted (characters). Longer ones are refused with 422: a question is a sentence or two,
and a cap keeps one request from analysing a whole book."""

MAX_TOP_K = 100
"""Largest number of passages one request may ask for."""

PROXIMITY_WEIGHT = 0.2
PROXIMITY_WINDOW = 10
"""Defaults of the proximity stage (`qa.proximity`), measured on BEIR SciFact and SQuAD."""

SENTENCE_WEIGHT = 0.05
"""Default of the best-sentence stage (`qa.answer.sentence_stage`), chosen on the SQuAD and BBC choose halves."""


def default_index_dir(documents: Path) -> Path:
    """Where a documents folder's index goes when no index folder is given: one per folder, under the user's cache
    (never inside the folder)."""
    resolved = documents.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "qa" / f"{resolved.name or 'root'}-{digest}"
