"""The quality gate: the shipped defaults must not score worse than the figures recorded in the repository.

Runs `qa eval beir` on BEIR SciFact's test queries and `qa eval squad` on the "report" half of SQuAD v1.1 dev's
articles, from ../shared/data (about a minute on 2 cores): the held-out splits, on which nothing is tuned, and
which `benchmarks/quality_baseline.json` records with its figures. Fails when any figure is more than `tolerance`
(0.005) below the recorded one. A change that improves a figure records the new value in that file in the same
commit (the message printed on failure, and `qa eval ... --json`, give the numbers).
"""

from __future__ import annotations

import json
import os

import pytest

from qa.cli.evaluation import evaluate_beir, evaluate_squad
from qa.config import Settings

from .conftest import REPO, shared_data

BASELINE = json.loads((REPO / "benchmarks" / "quality_baseline.json").read_text(encoding="utf-8"))
TOLERANCE = BASELINE["tolerance"]


def shipped_defaults(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The shipped defaults, whatever QA_* variables the environment holds; they must be the recorded ones."""
    for name in list(os.environ):
        if name.startswith("QA_"):
            monkeypatch.delenv(name)
    settings = Settings()
    recorded = BASELINE["settings"]
    assert settings.ranking_fingerprint() == recorded, (
        f"the defaults changed ({settings.ranking_fingerprint()}) but benchmarks/quality_baseline.json records "
        f"figures for {recorded}: run `qa eval beir|squad` and record the new figures in the same commit")
    return settings


def _check(dataset: str, measured: dict[str, float]) -> None:
    assert measured["split"] == BASELINE[dataset]["split"]
    recorded = BASELINE[dataset]["figures"]
    drops = {name: (value, measured[name]) for name, value in recorded.items()
             if measured[name] < value - TOLERANCE}
    assert not drops, (f"{dataset}: quality dropped more than {TOLERANCE} below the recorded value: "
                       + ", ".join(f"{name} {now:.4f} < {was:.4f}" for name, (was, now) in drops.items()))


@pytest.mark.shared_data
@pytest.mark.slow
def test_scifact_quality_does_not_drop(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shared_data("beir_scifact")
    result = evaluate_beir(folder, shipped_defaults(monkeypatch), split=BASELINE["beir_scifact"]["split"])
    assert result["queries"] == 300 and result["passages"] == result["records"] == 5183
    _check("beir_scifact", result)


@pytest.mark.shared_data
@pytest.mark.slow
def test_squad_quality_does_not_drop(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_data("squad_v1.1") / "dev-v1.1.json"
    result = evaluate_squad(path, shipped_defaults(monkeypatch), split=BASELINE["squad_v1.1_dev"]["split"])
    assert result["articles"] == 48 and result["split_articles"] == 24 and result["questions"] == 4905
    assert result["span_mismatches"] == 0
    _check("squad_v1.1_dev", result)
