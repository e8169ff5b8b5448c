from __future__ import annotations

import logging
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from qa.corpus.chunking import chunk_article
from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.errors import EmptyCorpus
from qa.index import current_version, open_index
from qa.ranking.analysis import Analyzer

from .conftest import settings_for


def test_index_is_saved_and_reused(articles_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(articles_dir, tmp_path / "index")
    first = open_index(settings)
    assert first.manifest["articles"] == 3
    second = open_index(settings)
    assert second.path == first.path  # reused, not rebuilt
    assert isinstance(second.engine.doc_ids.base, np.memmap)  # memory-mapped, not read into memory


@pytest.mark.parametrize("change", ["add", "modify", "remove"])
def test_index_is_rebuilt_when_an_article_changes(articles_dir: Path, tmp_path: Path, change: str) -> None:
    settings = settings_for(articles_dir, tmp_path / "index")
    first = open_index(settings)
    target = articles_dir / "harbour.txt"
    if change == "add":
        (articles_dir / "new.txt").write_text("Zeppelins return\n\nA zeppelin landed at the harbour.")
    elif change == "modify":
        target.write_text(target.read_text() + "\nA zeppelin landed too.\n")
        os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    else:
        target.unlink()
    second = open_index(settings)
    assert second.path != first.path
    assert current_version(settings.resolved_index_dir()) == second.path
    has_zeppelin = "zeppelin" in second.vocab
    assert has_zeppelin == (change != "remove")
    assert second.manifest["articles"] == (2 if change == "remove" else 3 + (change == "add"))


def test_index_built_with_other_settings_is_rebuilt(articles_dir: Path, tmp_path: Path) -> None:
    first = open_index(settings_for(articles_dir, tmp_path / "index"))
    for changed in ({"k1": 0.9}, {"b": 0.5}, {"epsilon": 0.0}, {"chunk_words": 30}, {"chunk_overlap": 0}):
        again = open_index(settings_for(articles_dir, tmp_path / "index", **changed))
        assert again.path != first.path, changed
        assert again.manifest["settings"][next(iter(changed))] == next(iter(changed.values()))
        first = again


def test_index_scores_equal_rank_bm25_on_the_same_tokens(articles_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(articles_dir, tmp_path / "index", chunk_words=20)
    index = open_index(settings)
    analyzer = Analyzer()
    corpus = []
    for article in read_articles(scan_documents(articles_dir)).articles:
        for passage in chunk_article(article, settings.chunk_words, settings.chunk_overlap):
            corpus.append(analyzer.terms(article.title) + analyzer.terms(passage.text))
    reference = BM25Okapi(corpus, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
    for question in ["pipeline engineers", "trade target 2023", "harbour cranes tonnes", "B2B credit"]:
        terms = analyzer.terms(question)
        ours = index.engine.scores(index.term_ids(terms))
        assert np.max(np.abs(ours - reference.get_scores(terms))) < 1e-9


def test_failed_build_leaves_the_previous_index_in_use(articles_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(articles_dir, tmp_path / "index")
    first = open_index(settings)
    (articles_dir / "new.txt").write_text("Zeppelins\n\nA zeppelin landed.")
    with mock.patch("qa.ranking.engine.SparseBM25.save", side_effect=OSError("disk full")), pytest.raises(OSError):
        open_index(settings)
    assert current_version(settings.resolved_index_dir()) == first.path
    assert not [p for p in settings.resolved_index_dir().iterdir() if p.name.endswith(".partial")]


def test_corrupt_index_is_rebuilt_with_a_warning(articles_dir: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(articles_dir, tmp_path / "index")
    first = open_index(settings)
    (first.path / "passages.npy").write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="qa"):
        again = open_index(settings)
    assert again.path != first.path and again.manifest["articles"] == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].endswith("; rebuilding"), warnings  # said once, not per look


def test_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.txt").write_text("")
    with pytest.raises(EmptyCorpus, match=r"no readable article \(\.txt, \.md, \.html, \.htm, \.pdf, \.docx, "
                                          r"\.jsonl\) in .*\(1 file\(s\) skipped\)"):
        open_index(settings_for(tmp_path / "docs", tmp_path / "index"))


def test_default_index_dir_is_outside_documents(articles_dir: Path) -> None:
    from qa.config import Settings

    default = Settings(documents=articles_dir).resolved_index_dir()
    assert not default.resolve().is_relative_to(articles_dir.resolve())
    assert default != Settings(documents=articles_dir / "energy").resolved_index_dir()


def test_article_window_is_the_article_text_before_a_passage_end(tmp_path: Path) -> None:
    """A hit decodes only its passage (and the character before): where the article is ASCII up to the passage's
    end by character offsets, beyond its first non-ASCII character by the passage's UTF-8 offsets kept in the
    index; a span that is no passage gets the whole text. Either way the offsets are the article's characters."""
    docs = tmp_path / "docs"
    docs.mkdir()
    ascii_body = " ".join(f"Sentence {n} tells of cranes and ports." for n in range(30))
    (docs / "plain.txt").write_text(f"Plain\n\n{ascii_body}\n")
    later = f"{ascii_body} Then the café paid £5 for Zürich’s crane. {ascii_body}"
    (docs / "later.txt").write_text(f"Later\n\n{later}\n")
    (docs / "first.txt").write_text(f"Zürich\n\n{ascii_body}\n")
    index = open_index(settings_for(docs, tmp_path / "i", chunk_words=20))
    partial = whole = 0
    for passage_id in range(index.engine.n_docs):
        article, start, end, _ = index.passage(passage_id)
        text = index.article_text(article)
        window, base = index.article_window(article, start, end)
        assert text.startswith(window, base) and base <= max(start - 1, 0) and base + len(window) >= end
        partial += base > 0
        whole += base == 0 and start > 1
    assert partial and not whole
    later = next(n for n, info in enumerate(index.articles) if info.title == "Later")
    text = index.article_text(later)
    assert index.texts.ascii_prefix[later] < len(text)
    assert index.article_window(later, len(text) - 10, len(text) - 2) == (text, 0)  # not a passage: the whole text


def test_articles_are_made_when_read_and_equal_the_list_of_them(seed_settings) -> None:  # type: ignore[no-untyped-def]
    """`load_index` keeps articles.json's rows and makes each `ArticleInfo` when first read."""
    from qa.index.reader import ArticleInfo, ArticleInfos

    index = open_index(seed_settings)
    assert isinstance(index.articles, ArticleInfos)
    listed = list(index.articles)
    assert len(listed) == len(index.articles) == 2 and all(isinstance(info, ArticleInfo) for info in listed)
    assert index.articles == listed and index.articles[-1] is listed[-1] and index.articles[0:1] == listed[:1]
    assert index.articles.column("id") == [info.id for info in listed]
    with pytest.raises(ValueError, match="does not hold the articles' fields"):
        ArticleInfos([{"id": "x"}])
