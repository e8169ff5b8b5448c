"""A real-text corpus for benchmarks/engine.py, beside the Zipf one: SQuAD v1.1 dev paragraphs, BEIR SciFact
abstracts and BBC News paragraphs (../shared/data), repeated in turn until the size asked for, one passage a line
(each repeat is another passage with its own id: document frequencies grow as the corpus does). The questions
are SQuAD's questions, SciFact's queries and BBC's titles, taken in turn.

    python benchmarks/real_text.py --size 100000 --show 3     # write .bench/real-100000.txt, print 3 passages
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
BENCH_DIR = Path(__file__).resolve().parent.parent / ".bench"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _pools() -> tuple[list[list[str]], list[list[str]]]:
    """(passages, questions) of each source."""
    squad = json.loads((DATA / "squad_v1.1" / "dev-v1.1.json").read_text(encoding="utf-8"))["data"]
    squad_passages = [_one_line(p["context"]) for article in squad for p in article["paragraphs"]]
    squad_questions = [_one_line(q["question"]) for article in squad for p in article["paragraphs"] for q in p["qas"]]
    scifact = [json.loads(line) for line in (DATA / "beir_scifact" / "corpus.jsonl").open(encoding="utf-8")]
    scifact_passages = [_one_line(f"{doc['title']} {doc['text']}") for doc in scifact]
    scifact_questions = [_one_line(json.loads(line)["text"])
                         for line in (DATA / "beir_scifact" / "queries.jsonl").open(encoding="utf-8")]
    bbc_passages, bbc_questions = [], []
    for path in sorted((DATA / "bbc_news").glob("*/*.txt")):
        title, _, body = path.read_text(encoding="utf-8", errors="replace").strip().partition("\n")
        bbc_questions.append(_one_line(title))
        bbc_passages.extend(_one_line(part) for part in body.split("\n\n") if part.strip())
    return [squad_passages, scifact_passages, bbc_passages], [squad_questions, scifact_questions, bbc_questions]


def _in_turn(pools: list[list[str]]) -> list[str]:
    """The items of the pools one from each in turn (a shorter pool starts again), until the longest is used."""
    longest = max(map(len, pools))
    return [pool[i % len(pool)] for i in range(longest) for pool in pools]


def corpus_file(size: int) -> Path:
    """.bench/real-<size>.txt: `size` passages, one a line (written once)."""
    path = BENCH_DIR / f"real-{size}.txt"
    if not path.exists():
        BENCH_DIR.mkdir(exist_ok=True)
        passages = _in_turn(_pools()[0])
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for passage in itertools.islice(itertools.cycle(passages), size):
                out.write(passage + "\n")
        tmp.rename(path)
    return path


def questions_file(n: int) -> Path:
    """.bench/real-questions-<n>.txt: n questions, one a line."""
    path = BENCH_DIR / f"real-questions-{n}.txt"
    if not path.exists():
        BENCH_DIR.mkdir(exist_ok=True)
        path.write_text("\n".join(_in_turn(_pools()[1])[:n]) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    lines = corpus_file(args.size).read_text(encoding="utf-8").splitlines()
    print(f"{len(lines):,} passages, {sum(len(line.split()) for line in lines) / len(lines):.0f} words on average")
    for line in lines[: args.show]:
        print("-", line[:200])
