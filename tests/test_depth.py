"""Tests that catch what the planted bugs got past (issue 16): explanations that add up for every hit, below the
proximity stage's depth too; `top_k` on a corpus with more passages than k; passage spans checked against the
article's own text (the file on disk and the sentences the test wrote), not against a slice of itself; and an
unreadable file skipped with its reason while the rest is indexed."""

from __future__ import annotations

import errno
import random
from pathlib import Path

import pytest

from qa.answer.proximity import RERANK_DEPTH
from qa.answer.search import Searcher
from qa.config import MAX_TOP_K, Settings
from qa.index import Index, build_index, open_index

WORDS = ("harbour crane steel port ship cargo tide pilot dock rope anchor storm fish market trade grain coal oil "
         "salt wind sail").split()


def _random_corpus(folder: Path, articles: int, seed: int) -> None:
    """Articles of 3 paragraphs of 2-3 sentences, from a small vocabulary: most passages match most questions."""
    rng = random.Random(seed)
    folder.mkdir()
    for n in range(articles):
        paragraphs = [" ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize() + "."
                               for _ in range(rng.randint(2, 3))) for _ in range(3)]
        (folder / f"a{n:03d}.txt").write_text(f"Article {n}\n\n" + "\n\n".join(paragraphs) + "\n")


@pytest.fixture(scope="module")
def many_passages(tmp_path_factory: pytest.TempPathFactory) -> Index:
    work = tmp_path_factory.mktemp("many")
    _random_corpus(work / "docs", 60, seed=16)
    index = open_index(Settings(documents=work / "docs", index_dir=work / "index", chunk_words=20, chunk_overlap=0))
    assert index.manifest["passages"] > MAX_TOP_K + 20  # well over any k asked below
    return index


@pytest.mark.parametrize("question", ["harbour crane cargo", "storm wind sail salt", "grain market trade"])
def test_explanations_add_up_for_every_hit_below_the_rerank_depth_too(many_passages: Index, question: str) -> None:
    """top_k 60, three times the proximity stage's depth (20): for every hit, the terms' contributions plus the
    proximity pairs' add up to its score; a hit the stage did not score lists no pairs (null)."""
    answer = Searcher(many_passages).ask(question, top_k=3 * RERANK_DEPTH, explain_scores=True)
    assert len(answer.passages) == 3 * RERANK_DEPTH
    unscored = 0
    for passage in answer.passages:
        assert passage.explanation is not None
        terms = sum(part.contribution for part in passage.explanation)
        pairs = sum(pair.contribution for pair in passage.proximity or [])
        assert terms + pairs == pytest.approx(passage.score, rel=1e-9, abs=1e-12), passage.rank
        for part in passage.explanation:
            assert part.share == pytest.approx(part.contribution / passage.score)
        unscored += passage.proximity is None
    assert unscored >= 2 * RERANK_DEPTH  # most hits lie below the depth: the check above covered them
    assert any(passage.proximity for passage in answer.passages[:RERANK_DEPTH])  # and pairs above it


def test_top_k_returns_exactly_k_passages_the_best_k(many_passages: Index) -> None:
    """BM25 alone (proximity off), no overlap, no per-article limit: the k best scores of all passages."""
    searcher = Searcher(many_passages, proximity_weight=0)
    question = "harbour crane cargo"
    index = many_passages
    all_scores = index.engine.scores(index.term_ids(index.analyzer.terms(question)))
    best = sorted((float(s) for s in all_scores if s > 0), reverse=True)
    assert len(best) > MAX_TOP_K
    for k in (1, 2, 3, 4, 9, 10, 19, 20, 21, 22, 50, 99, MAX_TOP_K):
        passages = searcher.ask(question, top_k=k).passages
        assert [p.rank for p in passages] == list(range(1, k + 1))
        assert [p.score for p in passages] == pytest.approx(best[:k], rel=1e-12)


def test_top_k_answers_are_prefixes_of_each_other(many_passages: Index) -> None:
    """With the proximity stage on: asking for more passages never reorders the first ones."""
    searcher = Searcher(many_passages)
    full = [(p.citation.document_id, p.citation.passage) for p in searcher.ask("storm wind sail", MAX_TOP_K).passages]
    assert len(full) == MAX_TOP_K
    for k in (1, 3, 8, 9, 19, 20, 21, 40, 99):
        assert [(p.citation.document_id, p.citation.passage) for p in searcher.ask("storm wind sail", k).passages
                ] == full[:k]


# -- passage spans against the article's own text ------------------------------------------------------------------

SENTENCES = [
    ["Le café «Étoile» ouvre à Kraków.", "Its owner, Zoë Ødegaard, came from Tromsø in 2019.",
     "She serves 😀-shaped biscuits with every cup."],
    ["北京 has a harbour crane that lifts 65 tonnes.", "Dr. Kaya met J. Smith there on Monday.",
     "They spoke for an hour about steel, cargo and tides."],
    ["The market opens at dawn.", "Fishermen sell cod, ling and skrei.", "By noon the stalls are empty.",
     "Gulls take what is left."],
]


def _article_with_known_sentences(folder: Path) -> tuple[Path, list[list[tuple[int, int]]]]:
    """An article written by the test, and each sentence's span in it as the test put it there."""
    text = "Café Étoile 😀\n\n"
    spans: list[list[tuple[int, int]]] = []
    for number, paragraph in enumerate(SENTENCES):
        if number:
            text += "\n\n"
        spans.append([])
        for position, sentence in enumerate(paragraph):
            if position:
                text += " "
            spans[-1].append((len(text), len(text) + len(sentence)))
            text += sentence
    path = folder / "etoile.txt"
    path.write_text(text + "\n", encoding="utf-8")
    for n in range(3):  # other articles, so that the words above are rare enough to score
        (folder / f"other{n}.txt").write_text(f"Weather {n}\n\nRain fell on the hills for {n + 2} days.\n")
    return path, spans


@pytest.mark.parametrize(("chunk_words", "overlap"), [(10, 0), (15, 1), (30, 1), (500, 1)])
def test_passage_spans_match_the_article_file_and_its_sentences(tmp_path: Path, chunk_words: int,
                                                                overlap: int) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path, paragraphs = _article_with_known_sentences(folder)
    own = path.read_bytes().decode("utf-8")  # the article's own text, read back from the file
    sentences = [span for paragraph in paragraphs for span in paragraph]
    index = open_index(Settings(documents=folder, index_dir=tmp_path / "index", chunk_words=chunk_words,
                                chunk_overlap=overlap))
    number = index.article_number("etoile")
    info = index.articles[number]
    assert index.article_text(number) == own
    covered: set[tuple[int, int]] = set()
    previous: list[tuple[int, int]] = []
    for passage_id in range(info.first_passage, info.first_passage + info.n_passages):
        _, start, end, _ = index.passage(passage_id)
        inside = index.passage_sentences(passage_id, start)
        assert inside == [span for span in sentences if start <= span[0] and span[1] <= end]  # whole sentences
        assert inside[0][0] == start and inside[-1][1] == end  # a passage starts and ends with one
        if previous:  # in order, sharing at most `overlap` sentences with the one before
            assert start > previous[0][0] and len(set(previous) & set(inside)) <= overlap
        previous = inside
        covered.update(inside)
    assert covered == set(sentences)  # every sentence of the body is in a passage

    searcher = Searcher(index)
    for question in ("Kraków Tromsø biscuits", "北京 harbour crane", "cod ling skrei gulls", "Kaya Smith Monday"):
        answer = searcher.ask(question, top_k=5)
        assert answer.passages
        for hit in answer.passages:
            citation = hit.citation
            assert hit.text == own[citation.start : citation.end]
            best = hit.best_sentence
            assert best is not None and (best.start, best.end) in set(sentences)
            assert best.text == own[best.start : best.end]
            assert hit.highlights
            for span in hit.highlights:  # each highlight is a word of the question, where the file has it
                assert citation.start <= span.start < span.end <= citation.end
                assert index.analyzer.terms(own[span.start : span.end])[0] in {term.term for term in answer.terms}


# -- an unreadable file ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "reason"), [
    (PermissionError(errno.EACCES, "Permission denied"), "unreadable (Permission denied)"),
    (OSError(errno.EIO, "Input/output error"), "unreadable (Input/output error)"),
    (IsADirectoryError(errno.EISDIR, "Is a directory"), "unreadable (Is a directory)"),
])
def test_an_unreadable_file_is_skipped_with_its_reason_and_the_rest_indexed(
        articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, reason: str) -> None:
    """`chmod 000` proves nothing when tests run as root: the read itself is made to fail, as the disk would."""
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "markets.txt":
            raise error
        return real_read(path)

    for n in range(2):  # more articles, so that a word of one scores (BM25 needs it rarer than in half)
        (articles_dir / f"weather{n}.txt").write_text(f"Weather {n}\n\nRain fell on the hills for {n + 2} days.\n")
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = build_index(Settings(documents=articles_dir, index_dir=tmp_path / "index"))
    assert [(skipped.source, skipped.reason) for skipped in report.skipped] == [("markets.txt", reason)]
    assert report.articles == 4
    index = open_index(Settings(documents=articles_dir, index_dir=tmp_path / "index"))
    assert sorted(info.source for info in index.articles) == ["energy/pipeline.md", "harbour.txt", "weather0.txt",
                                                              "weather1.txt"]
    assert Searcher(index).ask("Baku Ceyhan pipeline", top_k=1).passages[0].citation.source == "energy/pipeline.md"
