"""A .docx made by python-docx keeps its default template's created and modified time (2013-12-23T23:15:00Z) unless
the program sets them: a user trial's Italian and Indonesian documents were dated 23 December 2013."""

from __future__ import annotations

import datetime

from qa.corpus.word import extract_docx

from .test_docx import make_docx

STORY = [("Neve record sulle Dolomiti", "Title"),
         ("Un'ondata di maltempo ha portato fino a 140 centimetri di neve fresca sulle Dolomiti.", None)]


def test_python_docx_templates_day_is_not_the_documents() -> None:
    assert "date" not in extract_docx(make_docx(STORY), "neve.docx").meta


def test_a_date_the_program_set_is_kept() -> None:
    modified = datetime.datetime(2025, 2, 9, 10, 30, tzinfo=datetime.UTC)
    assert extract_docx(make_docx(STORY, modified=modified), "neve.docx").meta["date"] == "2025-02-09"
