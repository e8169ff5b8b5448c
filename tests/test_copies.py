"""Copies of one story give one answer: a folder gathered by hand holds the same article twice (saved under two
names, as .txt and .html and .pdf, with a byline or footer more or less). A user trial found the top results filled
with the same passage from each copy. Now the best-scoring copy is cited, exactly as before, and names the others;
a different story on the same subject stays a result of its own."""

from __future__ import annotations

import base64
import json
import textwrap
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from qa import Collection
from qa.answer.search import Searcher, pick_diverse
from qa.cli import main
from qa.corpus.chunking import MIN_PASSAGE_WORDS
from qa.index import open_index, reader
from qa.index.copies import (
    BAND,
    CONTAINED,
    PERMUTATIONS,
    SHORT,
    SIZE_RATIO,
    compiled_minhash,
    find_copies,
    minhash,
    shingles,
    signature,
)
from qa.web.app import create_app

from .conftest import settings_for
from .test_formats import make_pdf

TITLE = "Port of Baku doubles its container capacity"
PARAGRAPHS = [
    "The Port of Baku opened a second container terminal on Tuesday, doubling the number of containers it can "
    "handle each year to 500,000. The terminal cost 120 million dollars and was built in eighteen months by a "
    "Turkish contractor.",
    "Officials said the new cranes can unload a ship in half the time of the old ones. Traffic on the Middle "
    "Corridor between China and Europe has tripled since 2022, and the port expects to fill the new terminal within "
    "three years.",
    "The port authority plans a rail link to the terminal next year, so that containers can leave for Georgia and "
    "Turkey without passing through the city.",
]
STORY = TITLE + "\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
FIRST = PARAGRAPHS[0]
QUESTION = "How many containers can the Port of Baku terminal handle each year?"
COPIES = ["harbour-byline.txt", "harbour-copy.txt", "harbour.html", "harbour.pdf", "harbour.txt"]
SAME_SUBJECT = ("Port of Aktau expands its container terminal\n\nThe Port of Aktau in Kazakhstan said on Wednesday "
                "that it will expand its container terminal to handle 300,000 containers a year. The expansion "
                "will cost 80 million dollars and is due to open in 2026.\n\nOfficials said traffic on the Middle "
                "Corridor between China and Europe has grown quickly, and new cranes will unload ships faster. The "
                "port also plans a ferry link across the Caspian Sea to Baku.\n")


def folder(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text(STORY)
    (docs / "harbour-copy.txt").write_text(STORY)  # the same file under another name
    (docs / "harbour-byline.txt").write_text(  # a byline, a footer, other line breaks and spaces
        f"{TITLE}\nBy Leyla Mammadova | Azernews\n\n" + "\n\n".join(p.replace(". ", ".  ") for p in PARAGRAPHS)
        + "\n\nCopyright 2025 Azernews. All rights reserved. Share this story.\n")
    (docs / "harbour.html").write_text(
        f"<html><head><title>{TITLE}</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{TITLE}</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article><footer>© 2025 Example News</footer></body></html>")
    lines = [TITLE] + [line for p in PARAGRAPHS for line in textwrap.wrap(p, 70)]
    (docs / "harbour.pdf").write_bytes(make_pdf([lines[:8], lines[8:]]))
    (docs / "aktau.txt").write_text(SAME_SUBJECT)
    (docs / "weather.txt").write_text("Rain in Leeds\n\nIt rained in Leeds on Monday, and more is expected.\n")
    return docs


def test_one_answer_per_story_naming_its_copies(tmp_path: Path) -> None:
    docs = folder(tmp_path)
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "index")))
    answer = searcher.ask(QUESTION, top_k=3)
    sources = [p.citation.source for p in answer.passages]
    assert sources[0] in COPIES
    assert [s for s in sources if s in COPIES] == [sources[0]] * sum(s in COPIES for s in sources)  # one copy
    assert "aktau.txt" in sources  # the same subject is another story
    top = answer.passages[0]
    assert top.citation.copies == sorted(set(COPIES) - {top.citation.source})
    assert next(p for p in answer.passages if p.citation.source == "aktau.txt").citation.copies == []
    text = searcher.index.article_text(searcher.index.article_number(top.citation.document_id))
    assert text[top.citation.start : top.citation.end] == top.text  # cited exactly, from the copy it names
    assert FIRST in " ".join(top.text.split())


def test_scores_are_those_of_the_copy_cited(tmp_path: Path) -> None:
    """The answer's first passage is the one the ranking gave first: its score is BM25's and proximity's, as for a
    folder without the copies."""
    docs = folder(tmp_path)
    index = open_index(settings_for(docs, tmp_path / "index"))
    searcher = Searcher(index)
    ranked = searcher.rank(QUESTION, 1)
    answer = searcher.ask(QUESTION, top_k=1)
    assert answer.passages[0].score == ranked.passages[0].score
    assert index.passages[ranked.passages[0].passage_id][0] == index.article_number(
        answer.passages[0].citation.document_id)


def test_every_way_in_names_the_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = folder(tmp_path)
    index_dir = tmp_path / "index"
    with Collection(docs, index_dir=index_dir) as collection:
        python = collection.ask(QUESTION, top_k=1).passages[0].citation
    assert python.copies == sorted(set(COPIES) - {python.source})
    with TestClient(create_app(settings_for(docs, index_dir))) as client:
        http = client.post("/ask", json={"question": QUESTION, "top_k": 1}).json()["passages"][0]["citation"]
    assert (http["source"], http["copies"]) == (python.source, python.copies)
    assert main(["ask", QUESTION, "--top-k", "1", "--documents", str(docs), "--index-dir", str(index_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"   {python.source} · ")
    assert lines[2] == "   same story in: " + ", ".join(python.copies)
    assert main(["ask", QUESTION, "--top-k", "1", "--json", "--documents", str(docs), "--index-dir",
                 str(index_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["passages"][0]["citation"]["copies"] == python.copies


def test_each_story_lists_its_articles_in_article_order(tmp_path: Path) -> None:
    """`Index.stories`: each story's first article -> its articles, in article order (made in one pass over
    `Index.copies`); `copies_of` gives the story's other articles, and none for an article without a copy."""
    docs = folder(tmp_path)
    (docs / "weather-copy.txt").write_text((docs / "weather.txt").read_text())  # a second story with copies
    index = open_index(settings_for(docs, tmp_path / "index"))
    sources = [info.source for info in index.articles]
    harbour = sorted(sources.index(source) for source in COPIES)
    weather = sorted(sources.index(source) for source in ["weather.txt", "weather-copy.txt"])
    assert index.stories == {harbour[0]: harbour, weather[0]: weather}
    for story in (harbour, weather):
        for number in story:
            assert index.copies_of(number) == [other for other in story if other != number]
    assert index.copies_of(sources.index("aktau.txt")) == []


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times an index looks for its copies (`qa.index.copies.find_copies`, as `Index.copies` calls it)."""
    calls: list[int] = []

    def counted(*args: Any) -> dict[int, int]:
        calls.append(1)
        return find_copies(*args)

    monkeypatch.setattr(reader, "find_copies", counted)
    return calls


def test_a_weighed_index_finds_the_copies_once_with_its_version(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`Index.with_engine` (a shard weighed with the collection's statistics, again at every write) does not look
    for copies; whichever of the version and the indexes weighed from it is asked first finds them, for all."""
    settings = settings_for(folder(tmp_path), tmp_path / "index")
    open_index(settings)  # built
    calls = _counting(monkeypatch)
    index = open_index(settings)  # opened again: nothing found yet
    weighed = index.with_engine(index.engine)
    assert calls == []
    found = weighed.copies  # asked of the weighed index first
    assert len(found) == len(COPIES) and calls == [1]
    again = index.with_engine(index.engine)  # the next write's weigh of the same version
    assert again.copies is found and index.copies is found and again.with_engine(index.engine).copies is found
    assert again.stories is weighed.stories is index.stories
    other = open_index(settings)  # the other way round: the version asked first, the weighed one reuses them
    assert other.copies == found and calls == [1, 1]
    assert other.with_engine(other.engine).copies is other.copies and calls == [1, 1]


def test_shards_leave_the_copies_to_the_coordinator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The coordinator finds the collection's copies of one story (`ShardedSearcher.copies`), ranks with them and
    names them in every citation: a shard does not look for its own, which it found for nothing when it started
    and at each new version (`Searcher(find_copies=False)`), nor when it cites a passage."""
    from qa.distributed.ranking import ShardedSearcher
    from qa.distributed.store import build_sharded
    from qa.distributed.writes import ShardedWriter

    from .test_distributed import _shards
    from .test_sharded_writes import _id_on

    # passages of MIN_PASSAGE_WORDS whatever the folder's size: a write does not build every shard again
    settings = settings_for(folder(tmp_path), tmp_path / "index", chunk_words=MIN_PASSAGE_WORDS)
    build_sharded(settings, 2)
    calls = _counting(monkeypatch)
    shards = _shards(settings, 2)
    assert calls == []  # before: [1, 1], each shard's Searcher when it started
    sharded = ShardedSearcher(shards, settings)
    for write in range(2):
        top = sharded.ask(QUESTION, 3).passages[0].citation
        assert top.copies == sorted(set(COPIES) - {top.source})
        if not write:
            ShardedWriter(shards, settings).add_document(_id_on(0, 2), "Quokka census", "The zorblat count.")
    assert calls == []  # before: [1, 1, 1], the written shard's new version too


BODY = " ".join(PARAGRAPHS)


@pytest.mark.parametrize(("one", "other", "copies"), [
    (BODY, BODY, True),
    (BODY, BODY.replace(" ", "  ").replace(". ", ".\n"), True),  # whitespace
    (BODY, "By Leyla Mammadova | Azernews\n" + BODY + "\nCopyright 2025 Azernews. All rights reserved.", True),
    (BODY, BODY.upper(), True),  # case
    (BODY, SAME_SUBJECT, False),  # another story on the same subject
    (BODY, PARAGRAPHS[0], False),  # a third of the story: a summary, not a copy
    (BODY, f"{PARAGRAPHS[0]} {PARAGRAPHS[2]}", False),  # cut: the middle may answer what this copy cannot
    (BODY, BODY.replace("500,000", "600,000").replace("Tuesday", "Monday") + " " + SAME_SUBJECT, False),  # updated
    ("Photo gallery.", "Photo gallery.", True),  # short texts: the very same words
    ("Photo gallery of the week.", "Video gallery of the week.", False),
])
def test_which_texts_are_copies(one: str, other: str, copies: bool) -> None:
    bodies = [one, other, "It rained in Leeds on Monday, and more is expected."]
    found = find_copies([signature(b) for b in bodies], bodies.__getitem__)
    assert found == ({0: 0, 1: 0} if copies else {})


JAPANESE = "。".join([
    "2024年3月に人々は新しい駅を使い始めた", "1日あたり5万人の乗客が毎日この路線を利用している",
    "2025年には時々運休する日もあると鉄道会社は発表した", "10両編成の列車が朝夕の混雑を和らげると期待されている",
    "3社が共同で運行し料金は片道で200円となる予定だ", "4月からは深夜の便も増えて人々の暮らしが便利になる"]) + "。"


def test_a_cjk_text_is_compared_character_by_character_after_digits_and_iteration_marks() -> None:
    """The CJK characters are the analyzers' (`qa.lang.analyzers.CJK_CHARACTERS`): 々 and the characters after a
    digit or a Latin letter are characters of their own, not one long word to the next punctuation."""
    assert list(shingles("2024年の人々は")) == list(shingles("2024 年 の 人 々 は"))  # before: one word, 2024年の人々は
    assert list(shingles("abc中国def")) == list(shingles("abc 中 国 def"))
    bodies = [JAPANESE, JAPANESE.replace("乗客", "乗員"), "It rained in Leeds on Monday, and more is expected."]
    assert find_copies([signature(b) for b in bodies], bodies.__getitem__) == {0: 0, 1: 0}  # before: 3 shingles, {}


def test_no_signature_no_copies() -> None:
    """An index written before signatures has none: every article is its own story."""
    assert find_copies([None, None], ["same", "same"].__getitem__) == {}
    assert signature(" \n\t ") is None


def test_pick_diverse_keeps_the_first_copy_ranked() -> None:
    ranked = [("a1", 3.0, (0, 0, 10)), ("b1", 3.0, (1, 0, 10)), ("c1", 2.0, (2, 0, 10)), ("a2", 1.0, (0, 20, 30)),
              ("b2", 0.9, (1, 20, 30))]
    assert pick_diverse(ranked, 3, 0, {0: 0, 1: 0}) == [("a1", 3.0), ("c1", 2.0), ("a2", 1.0)]
    assert pick_diverse(ranked, 3, 0) == [("a1", 3.0), ("b1", 3.0), ("c1", 2.0)]


@pytest.mark.parametrize("n_shards", [2, 3])
def test_a_sharded_index_answers_copies_as_one_index(tmp_path: Path, n_shards: int) -> None:
    """Copies on different shards are one story too: the answer, scores and citations (copies named) are one
    index's."""
    from qa.distributed.ranking import ShardedSearcher
    from qa.distributed.store import build_sharded

    from .test_distributed import _assert_same, _shards

    docs = folder(tmp_path)
    settings = settings_for(docs, tmp_path / "index")
    build_sharded(settings, n_shards)
    sharded = ShardedSearcher(_shards(settings, n_shards), settings)
    one = Collection(settings=settings_for(docs, tmp_path / "one"))
    _assert_same(one, sharded, [QUESTION, "Middle Corridor cranes", "rail link Georgia", "Aktau ferry Baku"])
    top = sharded.ask(QUESTION, 1).passages[0].citation
    assert top.copies == sorted(set(COPIES) - {top.source})


def test_questions_asked_together_after_a_write_find_the_copies_once(tmp_path: Path) -> None:
    """Two questions that reach the coordinator of a sharded index together, before its copies of one story are
    known at this generation (just after a write), find them once: the second waits for the first's."""
    from qa.distributed.calls import LocalShards
    from qa.distributed.ranking import ShardedSearcher
    from qa.distributed.shard import Shard
    from qa.distributed.store import build_sharded

    class Searching(LocalShards):
        """Shards that count the coordinator's searches for copies; the first waits a moment for a second."""

        def __init__(self, shards: list[Shard]) -> None:
            super().__init__(shards)
            self.searches: list[str] = []
            self.second = threading.Event()

        def each(self, method: str, *args: Any) -> list[Any]:
            if method == "signatures":
                self.searches.append(threading.current_thread().name)
                if len(self.searches) == 2:
                    self.second.set()
                else:
                    self.second.wait(0.5)  # a second question that can search meanwhile does
            return super().each(method, *args)

    settings = settings_for(folder(tmp_path), tmp_path / "index")
    build_sharded(settings, 2)
    shards = Searching([Shard(settings, 2, number) for number in range(2)])
    sharded = ShardedSearcher(shards, settings)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda question: sharded.ask(question, 1), [QUESTION, QUESTION]))
    assert len(shards.searches) == 1
    tops = [answer.passages[0].citation for answer in answers]
    assert tops[0] == tops[1] and tops[0].copies == sorted(set(COPIES) - {tops[0].source})


@pytest.mark.parametrize("body", [
    "", "one", "A  b\u00a0c d", "x " * 3, "Zürich  café\tau lait — “quoted” text here, and more words.",
    "北京是中国的首都。东京是日本的首都。",
    "Harbour cranes lift steel.\n\nThe port of Baku handles 100,000 containers a year, the ministry said on "
    "Monday; its new terminal opens in June.\n" * 40])
def test_the_compiled_signature_is_numpys(body: str) -> None:
    """A big build's workers (numba loaded) sign articles with the compiled pass, a small build with NumPy: one
    folder may hold both, so they must agree exactly."""
    assert compiled_minhash(body)[0] == minhash(body)[0]
    assert compiled_minhash(body)[1].tolist() == minhash(body)[1].tolist()


def _reference_copies(signatures: list[str | None], body: Callable[[int], str]) -> dict[int, int]:
    """`find_copies` as its docstring defines it, pair by pair, with no speed: every two articles that agree on a
    band of their signatures, whose counts and signatures are near enough, are copies if their counts and signatures
    are the same or if the bodies' shingles say so; a story is what copies join."""
    read = {n: (int(value.split(":")[0]), np.frombuffer(base64.b64decode(value.split(":")[1]), "<u4"))
            for n, value in enumerate(signatures) if value}
    parent = list(range(len(signatures)))

    def root(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    def by_shingles(one: str, other: str) -> bool:
        a, b = set(shingles(one).tolist()), set(shingles(other).tolist())
        small, large = sorted((len(a), len(b)))
        if not small or small < SIZE_RATIO * large:
            return False
        return a == b if small < SHORT else len(a & b) >= CONTAINED * small

    for n, (size, values) in read.items():
        for m, (size_m, values_m) in read.items():
            if m <= n or not any((values[band : band + BAND] == values_m[band : band + BAND]).all()
                                 for band in range(0, PERMUTATIONS, BAND)):
                continue
            if min(size, size_m) < SIZE_RATIO * max(size, size_m) or np.mean(values == values_m) < 0.25:
                continue
            if (size == size_m and (values == values_m).all()) or by_shingles(body(n), body(m)):
                first, second = sorted((root(n), root(m)))
                parent[second] = first
    stories = {n: root(n) for n in range(len(signatures))}
    members = Counter(stories.values())
    return {n: first for n, first in stories.items() if members[first] > 1}


def _signature_of(size: int, values: Any) -> str:
    return f"{size}:{base64.b64encode(np.asarray(values, '<u4').tobytes()).decode()}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_grouping_by_bands_finds_what_the_pair_by_pair_definition_finds(seed: int) -> None:
    """`find_copies` groups the articles of each band by sorting (NumPy) and joins articles of one signature
    without reading them: on signatures drawn from a few values (most pairs agree on some band), with counts near
    and far, some signatures the same for different bodies and some articles without one, it finds exactly the
    stories the pair-by-pair definition finds."""
    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(300)]
    stories = [" ".join(rng.choice(words, 60)) for _ in range(12)]
    pool = [*stories, *(s + " Shared by a reader." for s in stories), *(s[: len(s) // 2] for s in stories),
            "Photo gallery.", "Photo gallery.", "Video gallery."]
    n = 240
    values = rng.integers(0, 5, (n, PERMUTATIONS))
    sizes = rng.choice([10, 12, 40, 45, 50, 60, 100], n)
    for one, other in rng.integers(0, n, (30, 2)):  # the same signature, bodies maybe not
        values[one], sizes[one] = values[other], sizes[other]
    signatures: list[str | None] = [_signature_of(size, row) for size, row in zip(sizes, values, strict=True)]
    for missing in rng.integers(0, n, 10):
        signatures[missing] = None
    bodies = [pool[k] for k in rng.integers(0, len(pool), n)]
    expected = _reference_copies(signatures, bodies.__getitem__)
    assert 20 < len(expected) < n - 10  # some stories, not one of everything
    assert find_copies(signatures, bodies.__getitem__) == expected


def test_the_copies_of_100_000_articles_are_found_without_reading_a_body() -> None:
    """A folder of 100k articles took 2.3-5.5 s to find its copies (a dict of 1.6M band keys built and walked in
    Python, and each signature's base64 decoded alone); every `qa ask` paid it, as `Searcher` finds them when it
    starts. Now the bands are grouped by sorting, and articles of the same signature and count are one class,
    joined without reading their bodies (0.2 s on such an index; timed by the commit, not here)."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 1 << 32, (100_000, PERMUTATIONS), dtype=np.uint64)
    signatures: list[str | None] = [_signature_of(100, row) for row in values]
    for k in range(0, 100_000, 97):  # copies: a story saved twice, its signature the same
        signatures.append(signatures[k])

    def body(number: int) -> str:
        raise AssertionError(f"article {number}'s body was read")

    found = find_copies(signatures, body)
    assert found == {n: k for k in range(0, 100_000, 97) for n in (k, 100_000 + k // 97)}
