"""A broken file upload gets a 422 that says what to send, and the server's log one access line for it: no bare
line of the form parser's or the PDF reader's (a user trial found "Expected boundary character 45, got 103 at index
2" in the log, unformatted, beside the access line; a broken PDF left pypdf's "EOF marker not found")."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from qa.config import Settings
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS, SERVER_KEY
from .test_server import start

AUTH = {"Authorization": f"Bearer {SERVER_KEY}"}
FILE_PART = b'Content-Disposition: form-data; name="file"; filename="walrus.txt"\r\n'
BROKEN = [  # (content type, body)
    ("multipart/form-data; boundary=XYZ", b"garbage that never names the boundary"),  # a wrong first boundary
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n" + FILE_PART + b"no blank line\r\n--XYZ--\r\n"),  # bad header
    ("multipart/form-data", b"--XYZ\r\n" + FILE_PART + b"\r\nWalrus\r\n--XYZ--\r\n"),  # no boundary parameter
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n" + FILE_PART + b"\r\nWalrus sighting"),  # cut short
]
BROKEN_PDF = b"%PDF-1.4 a file cut short"
PDF_DETAIL = "cannot index 'walrus.pdf': not a valid PDF (PdfStreamError: Stream has ended unexpectedly)"
ACCESS_LINE = re.compile(r"^\S+ \S+ INFO qa\.access: 127\.0\.0\.1 \"(GET|POST) /[^\"]*\" \d{3} [\d.]+ms$")
DETAIL = re.compile(r"^the form (cannot be read: .+|has no complete 'file' field) \(send the article as a multipart "
                    r"form whose field 'file' holds the file: curl -F file=@article\.pdf\)$")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(documents=SEED_DOCUMENTS, index_dir=tmp_path / "index", api_key=SERVER_KEY)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_broken_pdf_upload_is_422_and_the_pdf_library_logs_nothing(client: TestClient,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.post("/documents", files={"file": ("walrus.pdf", BROKEN_PDF)}, headers=AUTH)
    assert response.status_code == 422
    assert response.json() == {"detail": PDF_DETAIL}
    stray = [record for record in caplog.records if not record.name.startswith("qa") and
             record.levelno >= logging.WARNING]
    assert stray == [], [record.getMessage() for record in stray]  # was pypdf's "EOF marker not found"


@pytest.mark.parametrize(("content_type", "body"), BROKEN)
def test_a_broken_upload_is_422_and_the_parser_logs_nothing(client: TestClient, caplog: pytest.LogCaptureFixture,
                                                          content_type: str, body: bytes) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.post("/documents", content=body, headers={"content-type": content_type, **AUTH})
    assert response.status_code == 422
    assert DETAIL.match(response.json()["detail"]), response.json()
    stray = [record for record in caplog.records if not record.name.startswith("qa") and
             record.levelno >= logging.WARNING]
    assert stray == [], [record.getMessage() for record in stray]


def test_a_server_logs_one_access_line_for_each_broken_upload(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_API_KEY", SERVER_KEY)
    process, url = start([sys.executable, "-m", "uvicorn", "service:app", "--host", "127.0.0.1"], tmp_path)
    log = tmp_path / "server.log"
    try:
        before = len(log.read_text().splitlines())
        for content_type, body in BROKEN:
            response = httpx.post(url + "/documents", content=body, headers={"content-type": content_type, **AUTH},
                                  timeout=10)
            assert response.status_code == 422 and DETAIL.match(response.json()["detail"])
        response = httpx.post(url + "/documents", files={"file": ("walrus.pdf", BROKEN_PDF)}, headers=AUTH,
                              timeout=10)
        assert response.status_code == 422 and response.json() == {"detail": PDF_DETAIL}
        assert httpx.get(url + "/health?after=uploads", timeout=10).status_code == 200
        for _ in range(200):  # an access line is written once its response is sent: wait for the last one
            if '"GET /health?after=uploads" 200' in log.read_text():
                break
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = log.read_text().splitlines()[before:]
    lines = lines[: next(i for i, line in enumerate(lines) if "/health?after=uploads" in line) + 1]
    assert [line for line in lines if not ACCESS_LINE.match(line)] == []  # nothing but qa's access lines
    assert sum('"POST /documents" 422' in line for line in lines) == len(BROKEN) + 1
