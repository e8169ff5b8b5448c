"""`RemoteCollection`: a real server process, asked like a folder, answering with the same dataclasses."""

from __future__ import annotations

import dataclasses
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Collection
from qa.errors import ConfigError, DocumentNotFound, InvalidRequest, Unauthorized
from qa.integrations.remote import RemoteCollection, ServerError
from qa.models import Answer

from .conftest import CO_CHAIR, CO_CHAIR_ANSWER, CO_CHAIR_SOURCE, SERVER_KEY, Served
from .test_server import free_port


def without_timing(answer: Answer) -> Answer:
    return dataclasses.replace(answer, took_ms=0.0)


def test_a_server_answers_exactly_as_its_folder(served: Served, tmp_path: Path) -> None:
    remote = RemoteCollection(served.url).ask(CO_CHAIR, top_k=2, explain=True)
    local = Collection(served.documents, index_dir=tmp_path / "index").ask(CO_CHAIR, top_k=2, explain=True)
    assert isinstance(remote, Answer)
    assert without_timing(remote) == without_timing(local)
    assert CO_CHAIR_ANSWER in remote.passages[0].text and remote.passages[0].citation.source == CO_CHAIR_SOURCE
    assert remote.passages[0].explanation is not None  # the nested dataclasses are parsed too


def test_filters_reach_the_server(served: Served) -> None:
    server = RemoteCollection(served.url)
    answer = server.ask("Azerbaijan Turkey cooperation", top_k=5, source_prefix="004_")
    assert {p.citation.source for p in answer.passages} == {"004_7d268188ac327656.txt"}
    assert server.ask("Azerbaijan", date_from="2020-01-01").passages == []  # the seed articles have no date


def test_documents_and_spans(served: Served) -> None:
    server = RemoteCollection(served.url)
    assert sorted(d.source for d in server.documents()) == ["000_8339c2265b0242b8.txt", "004_7d268188ac327656.txt"]
    detail = server.document("000_8339c2265b0242b8", start=215, end=422)
    assert detail.span is not None and detail.span.text.startswith("The meeting was co-chaired by")
    assert detail.text == (served.documents / CO_CHAIR_SOURCE).read_text(encoding="utf-8")


def test_the_servers_refusals_are_qa_errors_with_its_words(served: Served) -> None:
    server = RemoteCollection(served.url)
    with pytest.raises(InvalidRequest, match="^question: "):
        server.ask("")
    with pytest.raises(InvalidRequest, match=r"'2024-02-30' is not a real date"):
        server.ask("x", date_from="2024-02-30")
    with pytest.raises(DocumentNotFound, match="^no document with id 'nope'$"):
        server.document("nope")
    with pytest.raises(Unauthorized, match="a valid API key is required"):
        server.add_document("notes/x", "X", "Some text.")
    with pytest.raises(Unauthorized, match="a valid API key is required"):
        RemoteCollection(served.url, api_key="wrong").remove("000_8339c2265b0242b8")
    assert (served.documents / CO_CHAIR_SOURCE).exists()


def test_writes_with_the_key_change_the_servers_folder(served: Served) -> None:
    server = RemoteCollection(served.url, api_key=SERVER_KEY)
    change = server.add_document("notes/port-strike", "Port strike ends", "Dock workers ended their strike on Friday.",
                                 date="2024-03-01")
    try:
        assert (change.id, change.source, change.status) == ("notes/port-strike", "notes/port-strike.md", "indexed")
        assert (served.documents / "notes" / "port-strike.md").exists()
        top = server.ask("dock workers strike", top_k=1).passages[0]
        assert (top.citation.document_id, top.citation.date) == ("notes/port-strike", "2024-03-01")
    finally:
        removed = server.remove("notes/port-strike")
    assert removed.status == "removed"
    assert not (served.documents / "notes" / "port-strike.md").exists()
    assert all(p.citation.document_id != "notes/port-strike" for p in server.ask("dock workers strike").passages)


def test_an_address_that_is_not_a_server() -> None:
    port = free_port()
    with pytest.raises(ServerError, match=rf"^cannot reach the qa server at http://127.0.0.1:{port}: "):
        RemoteCollection(f"http://127.0.0.1:{port}").ask("x")
    with pytest.raises(ConfigError, match="is not the address of a qa server"):
        RemoteCollection("127.0.0.1:8000")


@pytest.fixture
def impostor() -> Iterator[str]:
    """A server that answers 200 with JSON that is not a qa answer."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"results": []}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_that_is_not_qas_is_refused(impostor: str) -> None:
    with pytest.raises(ServerError, match=r"did not answer as a qa server does \(3 problem\(s\), first: Field "
                                          r"required\)$"):
        RemoteCollection(impostor).ask("x")
