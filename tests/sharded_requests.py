"""The requests `qa serve` and `qa serve --ray --shards N` must answer alike (tests/test_sharded_http.py in-process,
tests/test_ray.py on Ray): questions with every option and edge (empty, over-long, unknown, misspelt, stopwords,
filters, bad counts), batches, and the document routes; made from a folder's own words so that they match."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

from .conftest import SEED_DOCUMENTS
from .test_distributed import _random_folder

Request = tuple[str, str, dict[str, Any]]
"""(method, path, httpx keyword arguments: params or json)."""

MULTILINGUAL = Path(__file__).parent / "data" / "multilingual"
SIBLINGS = Path(__file__).parent / "data" / "siblings"
STAGED = ["What share of Harbour United's stock did Varga's lenders want backing a bid before they would fund it?",
          "When did Varga first buy Harbour United shares?", "How many investors could block the Harbour bid?"]
"""Questions whose best-sentence stage moves a passage from beyond the first 3 (tests/test_sentence_stage.py), one
asking for a date and one for a number (the stage weighs the asked kind's bonus only where it can matter)."""


def make_folder(folder: Path) -> list[str]:
    """A folder of 60 articles of a 22-word vocabulary (ties everywhere), the seed articles, some German and
    Chinese news and stories on one subject (tests/data/siblings); the random questions of its articles."""
    questions = _random_folder(folder, 60, seed=29)
    shutil.copytree(SEED_DOCUMENTS, folder / "seed")
    shutil.copytree(SIBLINGS, folder / "siblings")
    for lang in ("de", "zh"):
        shutil.copytree(MULTILINGUAL / lang, folder / lang)
    return questions


def requests(questions: list[str], document_ids: list[str], size: int) -> list[Request]:
    """`size` requests (at least the fixed edge cases) drawn with a fixed seed."""
    rng = random.Random(size)
    asked = [*questions, *STAGED, "Who co-chaired the meeting?", "digitl transformaton", "the of and", "zzzqqq",
             "Azerbaijan Azerbaijan Turkey", "Berlin", "東京", "  ", "", "?", "x" * 2001, "harbour " * 250,
             " ".join(f"w{n}" for n in range(80)) + " " + questions[0], "Quokka", "'; DROP TABLE", "a003",
             "ÉNERGIE prix", "a\u0000b"]
    counts: list[Any] = [1, 3, 10, 100, 0, 101, -1, "abc", 2.5, "3", None]
    limits: list[Any] = [None, 0, 1, 2, -1, 101, "x"]
    prefixes = [None, "a0", "seed/", "de/", "nowhere/", ""]
    dates = [None, "2020-01-01", "2031-01-01", "2020-13-01", "yesterday"]
    fixed: list[Request] = [
        ("GET", "/ask", {"params": {"q": q}}) for q in asked[-18:]]
    fixed += [("POST", "/ask", {"json": {"question": q, "top_k": 5}}) for q in asked[-18:]]
    fixed += [("GET", "/ask", {"params": {"q": asked[0], "top_k": k}}) for k in counts if k is not None]
    fixed += [("GET", "/ask", {"params": {"q": asked[0], "max_per_article": m}}) for m in limits if m is not None]
    fixed += [("POST", "/ask", {"json": {"question": asked[1], "top_k": k}}) for k in counts]
    fixed += [("POST", "/ask", {"json": {"question": asked[1], "max_per_article": m}}) for m in limits]
    fixed += [("GET", "/ask", {"params": {"q": asked[2], "source_prefix": p}}) for p in prefixes if p is not None]
    fixed += [("GET", "/ask", {"params": {"q": "Shusha Declaration", "date_from": d}}) for d in dates if d]
    fixed += [("GET", "/ask", {"params": {"q": "Shusha Declaration", "date_to": d}}) for d in dates if d]
    fixed += [("GET", "/ask", {"params": {"q": asked[0], "bogus": "1"}}),
              ("POST", "/ask", {"json": {"question": asked[0], "bogus": 1}}),
              ("POST", "/ask", {"json": {"top_k": 3}}),
              ("POST", "/ask", {"json": ["not", "an", "object"]}),
              ("POST", "/ask/batch", {"json": {"questions": asked[:12], "top_k": 4}}),
              ("POST", "/ask/batch", {"json": {"questions": asked[:3], "max_per_article": 1, "explain": True}}),
              ("POST", "/ask/batch", {"json": {"questions": []}}),
              ("POST", "/ask/batch", {"json": {"questions": ["ok"] * 101}}),
              ("POST", "/ask/batch", {"json": {"questions": ["harbour", ""]}}),
              ("GET", "/documents", {}), ("GET", "/documents", {"params": {"limit": 10}}),
              ("GET", "/documents/nowhere", {}), ("GET", "/documents/..%2F..%2Fetc%2Fpasswd", {}),
              ("GET", f"/documents/{document_ids[0]}", {"params": {"start": 0, "end": 40}}),
              ("GET", f"/documents/{document_ids[0]}", {"params": {"start": 40, "end": 10}}),
              ("GET", f"/documents/{document_ids[0]}", {"params": {"start": 10**9, "end": 10**9 + 5}}),
              ("GET", f"/documents/{document_ids[0]}", {"params": {"start": -1}})]
    fixed += [("GET", f"/documents/{document_id}", {}) for document_id in document_ids]
    drawn: list[Request] = []
    while len(fixed) + len(drawn) < size:
        question = rng.choice(asked[:-6])
        options: dict[str, Any] = {"top_k": rng.choice([1, 2, 3, 5, 10, 20, 100]), "explain": rng.random() < 0.3}
        if rng.random() < 0.3:
            options["max_per_article"] = rng.choice([0, 1, 2])
        if rng.random() < 0.2:
            options["source_prefix"] = rng.choice(prefixes[1:4])
        if rng.random() < 0.1:
            options["date_from"] = "2020-01-01"
        if rng.random() < 0.5:
            drawn.append(("GET", "/ask", {"params": {"q": question, **options}}))
        else:
            drawn.append(("POST", "/ask", {"json": {"question": question, **options}}))
    return fixed + drawn


def comparable(status: int, body: Any) -> tuple[int, Any]:
    """A response without what differs between two runs of the same server (times)."""
    return status, _without_times(body)


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items() if key not in ("took_ms", "built_at")}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value
