"""The compiled evidence (qa.answer.fast, qa.answer.sentence_kernel) and the compiled proximity bonus
(qa.answer.proximity_kernel) give what the reference in Python gives (qa.answer.sentence.best_sentence,
qa.answer.evidence.highlights, the NumPy steps of qa.answer.proximity.bonuses): the same passages, the same best
sentences with the same scores, the same highlights and offsets, whole answers equal byte for byte, on real
folders (the bundled documents, tests/data, and samples of SQuAD and BBC News when ../shared/data is there)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest

from qa.answer import fast, proximity
from qa.answer.search import Searcher
from qa.index import Index, open_index
from tests.conftest import ARTICLES, SEED_DOCUMENTS, TESTS, settings_for, shared_data

KINDS = ("When did {}?", "Who {}?", "How much did {} cost?", "What percentage of {}?", "How many {}?", "{}")


def _questions(index: Index, per_article: int = 3) -> list[str]:
    """Questions made from the folder itself: each article's title, and words of some of its sentences, asked
    as each kind of question (a date, a name, money, a percentage, a number, or plain words), some in capitals."""
    questions = []
    for number, article in enumerate(index.articles):
        text = index.article_text(number)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 4]
        picked = [article.title] + sentences[1 : 1 + per_article]
        for turn, sentence in enumerate(picked):
            words = sentence.split()[:12]
            phrase = " ".join(words).rstrip(".!?")
            if turn % 2:
                phrase = phrase.upper()
            questions.append(KINDS[(number + turn) % len(KINDS)].format(phrase))
    return questions


def _answers(index: Index, questions: list[str], top_k: int = 5) -> list[bytes]:
    searcher = Searcher(index)
    bodies = []
    for question in questions:
        answer = searcher.ask(question, top_k)
        answer.took_ms = 0.0
        bodies.append(orjson.dumps(answer))
    return bodies


def _compare(index: Index, questions: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole answers with the compiled evidence and bonus, then with the reference: equal byte for byte; and the
    compiled evidence was used for (nearly) every answer, not bypassed."""
    used = {"evidence": 0}
    evidence, kernels = fast.compiled_evidence, proximity._compiled()
    assert fast.kernels() is not None and kernels is not None

    def counted_evidence(*args: object, **kwargs: object) -> object:
        found = evidence(*args, **kwargs)  # type: ignore[arg-type]
        used["evidence"] += found is not None
        return found

    monkeypatch.setattr("qa.answer.search.compiled_evidence", counted_evidence)
    compiled = _answers(index, questions)
    monkeypatch.setattr(fast, "kernels", lambda: None)
    monkeypatch.setattr(proximity, "_compiled", lambda: None)
    reference = _answers(index, questions)
    different = [(q, a, b) for q, a, b in zip(questions, compiled, reference, strict=True) if a != b]
    assert not different, different[:2]
    answered = sum(bool(json.loads(body)["passages"]) for body in compiled)
    assert answered > len(questions) // 2
    assert used["evidence"] == answered  # every answer with passages had its evidence compiled, in one run


def test_bundled_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = open_index(settings_for(SEED_DOCUMENTS, tmp_path / "index"))
    _compare(index, _questions(index, per_article=12), monkeypatch)


def test_test_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = open_index(settings_for(ARTICLES, tmp_path / "index"))
    _compare(index, _questions(index, per_article=12), monkeypatch)


def test_many_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text that is not ASCII: code points compared, and words only Python lowercases (Σ, İ, ß) handed back."""
    folder = TESTS / "data" / "multilingual"
    index = open_index(settings_for(folder, tmp_path / "index"))
    asked = [json.loads(line)["question"] for line in (folder / "questions.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    _compare(index, asked + _questions(index) + ["ΟΔΟΣ Σοφοκλέους İstanbul STRASSE Straße"], monkeypatch)


def test_a_question_of_more_terms_than_a_mask_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More than 64 distinct terms (known ones are capped at 64, unknown ones are not): the reference answers."""
    index = open_index(settings_for(SEED_DOCUMENTS, tmp_path / "index"))
    question = " ".join(sorted({term for term in index.vocab if term.isalpha()})[:50] +
                        [f"zq{chr(97 + n // 26)}{chr(97 + n % 26)}x" for n in range(30)])
    assert len(Searcher(index).rank(question, 3).terms) > 64
    compiled = _answers(index, [question])
    monkeypatch.setattr(fast, "kernels", lambda: None)
    assert _answers(index, [question]) == compiled
    assert json.loads(compiled[0])["passages"]


def test_squad_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.loads((shared_data("squad_v1.1") / "dev-v1.1.json").read_text("utf-8"))["data"][:4]
    documents = tmp_path / "squad"
    documents.mkdir()
    questions = []
    for number, article in enumerate(raw):
        paragraphs = [paragraph["context"] for paragraph in article["paragraphs"]]
        text = "\n\n".join([article["title"].replace("_", " "), *paragraphs])
        (documents / f"{number:03d}.txt").write_text(text, encoding="utf-8")
        questions += [item["question"] for paragraph in article["paragraphs"] for item in paragraph["qas"]][:150]
    index = open_index(settings_for(documents, tmp_path / "index"))
    _compare(index, questions, monkeypatch)


def test_bbc_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bbc = shared_data("bbc_news")
    documents = tmp_path / "bbc"
    for category in ("business", "tech"):
        target = documents / category
        target.mkdir(parents=True)
        for path in sorted((bbc / category).glob("*.txt"))[:60]:
            shutil.copy(path, target / path.name)
    index = open_index(settings_for(documents, tmp_path / "index"))
    _compare(index, _questions(index, per_article=2), monkeypatch)


def test_spelled_words_hands_back_what_only_python_lowercases() -> None:
    sentence_kernel = fast.kernels()
    assert sentence_kernel is not None
    text = np.frombuffer("Ölpreis OIL oil".encode("utf-32-le"), np.uint32)
    words = ["ölpreis", "oil"]
    encoded = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
    found = sentence_kernel.spelled_words(text, np.array([len("Ölpreis OIL oil")]), np.array([0, 3]),
                                          np.array([0, 8, 12]), np.array([7, 11, 15]), encoded, np.array([0, 7, 10]))
    assert found.tolist() == [-2, 1, 1]


def test_compiled_spans_equal_the_index_s_with_wide_gaps(tmp_path: Path) -> None:
    """`sentence_kernel.decode_spans` reads the stored word gaps as `Index.word_spans` does, gaps of 255
    characters or more included (kept aside in the index: a long run of stopwords, figures or punctuation)."""
    folder = tmp_path / "documents"
    folder.mkdir()
    filler = " ".join(["of the and to"] * 80) + " " + "-" * 300
    (folder / "wide.txt").write_text(f"Harbour report\n\nThe harbour opened {filler} cranes arrived. "
                                     f"{'... ' * 90}Dockers voted. {filler} The strike ended.\n", encoding="utf-8")
    (folder / "plain.txt").write_text("Caviar trade\n\nCaviar exports rose in May. Traders met.\n", encoding="utf-8")
    index = open_index(settings_for(folder, tmp_path / "index"))
    assert index.word_gaps[1].shape[0] > 0  # the folder has wide gaps
    compiled = fast.kernels()
    assert compiled is not None
    docs = np.arange(index.engine.n_docs, dtype=np.int64)[::-1].copy()
    spans, base = compiled.decode_spans(*index.word_gaps, index.word_lengths, index.sequence_ptr, docs)
    pointers = index.sequence_ptr
    for n, d in enumerate(docs.tolist()):
        expected = index.word_spans(pointers[d : d + 2])
        assert spans[base[n] : base[n] + expected.shape[0]].tolist() == expected.tolist()
