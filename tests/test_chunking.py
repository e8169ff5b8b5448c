from __future__ import annotations

import string
from pathlib import Path

import pytest

from qa.config import Settings
from qa.corpus.chunking import LONGEST_WORD, chunk_article, count_words, layout
from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.corpus.sentences import split_sentences
from qa.index import open_index
from qa.models import Article

from .conftest import ARTICLES, SEED_DOCUMENTS, settings_for, shared_data


def _article(text: str) -> Article:
    title_end = text.index("\n") + 1
    return Article("a", "a.txt", text[: title_end - 1], text, title_end)


def test_sentences_respect_abbreviations_and_initials() -> None:
    text = "Dr. Kaya met J. Smith in the U.S. on Monday. It rained! Did it stop? Yes."
    spans = split_sentences(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == [
        "Dr. Kaya met J. Smith in the U.S. on Monday.", "It rained!", "Did it stop?", "Yes."]


def test_decimals_do_not_end_sentences() -> None:
    text = "Trade reached $3.4 billion in 2021. It grew."
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text))] == [
        "Trade reached $3.4 billion in 2021.", "It grew."]


def test_passages_are_whole_sentences_within_target() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(12)]
    article = _article("Title\n\n" + " ".join(sentences))
    passages = chunk_article(article, chunk_words=20, overlap=0)
    assert [p.text for p in passages] == [" ".join(sentences[i : i + 2]) for i in range(0, 12, 2)]


def test_overlap_repeats_whole_sentences_inside_a_paragraph() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(6)]
    article = _article("Title\n\n" + " ".join(sentences))
    passages = chunk_article(article, chunk_words=21, overlap=1)
    # 42 words need two passages of 21; the repeated sentence makes the rest 28 words, two passages of 14
    assert [p.text for p in passages] == [
        " ".join(sentences[0:3]), " ".join(sentences[2:4]), " ".join(sentences[3:6])]
    assert [p.number for p in passages] == [1, 2, 3]


def test_paragraph_breaks_are_preferred_and_not_overlapped() -> None:
    article = _article("Title\n\nOne two three four. Five six seven eight.\n\nNine ten eleven twelve.\n\nThirteen.")
    passages = chunk_article(article, chunk_words=12, overlap=1)
    assert [p.text for p in passages] == [
        "One two three four. Five six seven eight.", "Nine ten eleven twelve.\n\nThirteen."]


def test_over_long_sentence_is_cut_at_word_boundaries() -> None:
    words = [f"w{i}" for i in range(25)]
    article = _article("Title\n\n" + " ".join(words) + ".")
    passages = chunk_article(article, chunk_words=10, overlap=0)
    assert [p.text.split() for p in passages] == [words[0:10], words[10:20], words[20:24] + ["w24."]]


def test_a_run_without_spaces_is_cut_into_bounded_passages() -> None:
    """A 2 MB base64 blob was one passage (one "word"); now a word every LONGEST_WORD characters, so a passage is at
    most chunk_words x LONGEST_WORD characters, each span exact."""
    alphabet = string.ascii_letters + string.digits + "+/"
    blob = "".join(alphabet[(i * 7919) % 64] for i in range(2_000_000))
    text = "Title\n\nThe attachment follows. " + blob + " That was all."
    passages = chunk_article(_article(text), chunk_words=700, overlap=1)
    assert len(passages) > 2_000_000 // (700 * LONGEST_WORD)
    assert max(len(p.text) for p in passages) <= 700 * LONGEST_WORD
    assert all(text[p.start : p.end] == p.text for p in passages)
    assert "".join(p.text for p in passages if " " not in p.text) in blob
    compiled = layout(_article(text), 700, 1, compiled=True)  # the kernel (ASCII) cuts it alike
    assert compiled.starts.tolist() == [p.start for p in passages]
    assert compiled.ends.tolist() == [p.end for p in passages]
    assert count_words("x" * (LONGEST_WORD + 1)) == 2 and count_words("x" * LONGEST_WORD) == 1


@pytest.mark.parametrize(("run", "wide", "longest"), [
    ("東京都の地下鉄" * 100_000, True, 1400),     # Japanese without punctuation: two characters a word
    ("東京都の地下鉄" * 100_000, False, 1400),    # ...also in an article not analysed as Japanese
    ("ภาษาไทยเขียนติดกัน" * 50_000, False, 700 * LONGEST_WORD),  # Thai, written without spaces: the cap
    ("附件：" + "QUJDRA" * 100_000, True, 700 * LONGEST_WORD),  # a blob in a Chinese article: the cap too
])
def test_long_runs_of_any_script_are_cut(run: str, wide: bool, longest: int) -> None:
    text = "Title\n\n" + run
    passages = chunk_article(_article(text), chunk_words=700, overlap=1, wide=wide)
    assert len(passages) > 1 and max(len(p.text) for p in passages) == longest
    assert all(text[p.start : p.end] == p.text for p in passages)
    assert sum(len(p.text) for p in passages) == len(run)  # nothing lost, nothing repeated (no overlap mid-run)


def test_title_only_article_is_one_passage() -> None:
    article = Article("t", "t.txt", "Just a title", "Just a title\n", 13)
    assert [p.text for p in chunk_article(article, 100, 1)] == ["Just a title"]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_article(_article("T\nx."), chunk_words=0, overlap=0)


def _assert_spans_exact(folder: Path, chunk_words: int = 100, overlap: int = 1) -> int:
    read = read_articles(scan_documents(folder))
    count = 0
    for article in read.articles:
        passages = chunk_article(article, chunk_words, overlap)
        assert passages, article.source
        for passage in passages:
            assert article.text[passage.start : passage.end] == passage.text, (article.source, passage.number)
            assert passage.text == passage.text.strip()
            count += 1
    return count


def test_every_passage_span_is_exact_in_documents_and_test_articles() -> None:
    assert _assert_spans_exact(SEED_DOCUMENTS) >= 2
    assert _assert_spans_exact(ARTICLES, chunk_words=15, overlap=1) >= 3


@pytest.mark.shared_data
def test_every_passage_span_is_exact_in_bbc_news() -> None:
    bbc = shared_data("bbc_news")
    categories = sorted(p for p in bbc.iterdir() if p.is_dir())  # README.TXT and SOURCE.md are not articles
    assert sum(len(read_articles(scan_documents(c)).articles) for c in categories) == 2225
    assert sum(_assert_spans_exact(c) for c in categories) > 2225


def test_an_article_that_fits_is_one_passage() -> None:
    """A story of several paragraphs within the limit stays whole (the old rule cut it at the first paragraph
    break past half the limit, so its second half lost the lead's words)."""
    paragraphs = [" ".join(f"Word{p}x{i}" for i in range(30)) + "." for p in range(5)]
    article = _article("Title\n\n" + "\n\n".join(paragraphs))
    passages = chunk_article(article, chunk_words=200, overlap=1)
    assert len(passages) == 1 and passages[0].text == article.text[article.body_start:].strip()


def test_a_long_article_is_cut_into_balanced_passages_at_paragraph_breaks() -> None:
    """250 words in paragraphs of 50 with a limit of 200: two passages of 100 and 150 words (at the paragraph break
    nearest 125), never 200 and a tail of 50."""
    paragraphs = [" ".join(f"p{p}w{i}" for i in range(50)) + "." for p in range(5)]
    article = _article("Title\n\n" + "\n\n".join(paragraphs))
    passages = chunk_article(article, chunk_words=200, overlap=1)
    assert [len(p.text.split()) for p in passages] == [100, 150]
    assert [p.text for p in passages] == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:])]
    for passage in passages:
        assert article.text[passage.start : passage.end] == passage.text


def _story(name: str, paragraphs: int) -> str:
    """A news story of `paragraphs` paragraphs of 50 words each, its words its own."""
    return f"{name} title\n\n" + "\n\n".join(
        " ".join(f"{name}{p}w{i}" for i in range(50)) + "." for p in range(paragraphs))


def test_default_length_keeps_a_news_story_of_650_words_whole(tmp_path: Path) -> None:
    """The default `chunk_words` (700, chosen on the peers benchmark's choose splits) keeps a story of 650 words in
    one passage, lead and answer together, and cuts one of 1,000 words into two balanced passages of 500."""
    assert Settings().chunk_words == 700
    documents = tmp_path / "documents"
    documents.mkdir()
    for number in range(10):  # a folder big enough for the limit to be chunk_words itself (chunking rule 5)
        (documents / f"filler{number}.txt").write_text(_story(f"filler{number}x", 12), encoding="utf-8")
    (documents / "short.txt").write_text(_story("short", 13), encoding="utf-8")
    (documents / "long.txt").write_text(_story("long", 20), encoding="utf-8")
    index = open_index(settings_for(documents, tmp_path / "index"))
    by_source: dict[str, list[str]] = {}
    for passage_id in range(index.engine.n_docs):
        article, start, end, _ = index.passage(passage_id)
        by_source.setdefault(index.articles[article].source, []).append(index.article_text(article)[start:end])
    short = (documents / "short.txt").read_text(encoding="utf-8")
    assert by_source["short.txt"] == [short[short.index("\n\n") + 2 :]]
    assert [len(text.split()) for text in by_source["long.txt"]] == [500, 500]
    assert all(len(texts) == 1 for source, texts in by_source.items() if source.startswith("filler"))
