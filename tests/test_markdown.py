"""Markdown syntax is not shown, and every offset is still an offset of the file (qa.corpus.markdown)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.corpus.markdown import mask_markdown
from qa.index import open_index

from .conftest import settings_for

NOTE = """---
title: Harbour notes
date: 2021-06-18
---

# Harbour notes

The **new cranes** arrived at [Alat port](https://example.com/alat "Alat") on *Monday*, said the `harbour_master`.

## Who paid

> The cranes cost **$4 million**, paid by the _Port Authority_.

- Each crane lifts 65 tonnes.
- 1. Workers were trained in ~~Hamburg~~ Rotterdam.

| Crane | Tonnes |
|-------|-------:|
| North | 65 |

```
code_stays = "as it is"  # [sic]
```

![A crane at dusk](crane.jpg) See the [report][1] and <https://example.com>. Snake_case_names stay.\\*

[1]: https://example.com/report
"""

MARKUP = re.compile(r"\*\*|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|^#+ |^> |^- |\]\(|~~|`|!\[|\|", re.M)


def test_masking_keeps_every_offset_and_removes_the_syntax() -> None:
    masked = mask_markdown(NOTE, NOTE.index("# Harbour"))
    assert len(masked) == len(NOTE)
    assert [i for i, c in enumerate(NOTE) if c == "\n"] == [i for i, c in enumerate(masked) if c == "\n"]
    for original, shown in zip(NOTE, masked, strict=True):
        assert shown == original or shown == " "  # only blanked, never moved or changed
    lines = " ".join(masked.split())
    # the price of keeping offsets: a space where a closing marker was ("Monday ,")
    assert "The new cranes arrived at Alat port on Monday , said the harbour_master ." in lines
    assert "The cranes cost $4 million , paid by the Port Authority ." in lines
    assert "Each crane lifts 65 tonnes. Workers were trained in Hamburg Rotterdam." in lines
    assert "North 65" in lines
    assert 'code_stays = "as it is" # [sic]' in lines  # code is shown as written
    assert "A crane at dusk See the report and . Snake_case_names stay. *" in lines  # an escaped * stays
    assert "https://example.com/alat" not in masked and "crane.jpg" not in masked
    assert masked.startswith("---\ntitle: Harbour notes")  # front matter is not the body


@pytest.mark.parametrize("text", ["plain text, no markup at all", "a * b = c and 2 * 3", "snake_case and a_b_c"])
def test_text_without_markup_is_left_alone(text: str) -> None:
    assert mask_markdown(text) == text


def test_passages_and_best_sentences_show_no_markup_and_cite_the_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text(NOTE, encoding="utf-8")
    (docs / "other.txt").write_text("Other\n\nShips and tugboats in the harbour of Baku.\n")
    (docs / "third.txt").write_text("Third\n\nA market report for grain and steel.\n")
    index = open_index(settings_for(docs, tmp_path / "i", chunk_words=30))
    number = index.article_number("notes")
    info = index.articles[number]
    assert info.title == "Harbour notes" and info.meta["date"] == "2021-06-18"
    stored = index.article_text(number)
    file_text = (docs / "notes.md").read_text(encoding="utf-8")
    assert len(stored) == len(file_text) and stored == mask_markdown(file_text, file_text.index("# Harbour"))
    for question in ("Who paid for the new cranes?", "How many tonnes does a crane lift?", "Alat port Monday"):
        for hit in Searcher(index).ask(question, top_k=3).passages:
            if hit.citation.document_id != "notes":
                continue
            start, end = hit.citation.start, hit.citation.end
            assert stored[start:end] == hit.text  # the documented check: article text (GET /documents) [start:end]
            assert file_text[start:end].replace("*", "").replace("#", "").split()[:2] == hit.text.split()[:2] or \
                MARKUP.search(file_text[start:end])  # the same span of the file, as written (markup and all)
            assert not MARKUP.search(hit.text), hit.text
            best = hit.best_sentence
            assert best is not None and stored[best.start : best.end] == best.text
            assert not MARKUP.search(best.text) and "#" not in best.text
            for span in hit.highlights:
                assert file_text[span.start : span.end] == stored[span.start : span.end]  # a word is a word
