"""`qa mcp`: the MCP server, asked with the official SDK's own client, in-process and as a real subprocess over stdio
(and streamable HTTP), from a folder and from a running server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

pytest.importorskip("mcp", reason='the MCP SDK is an extra: pip install -e ".[mcp]" (.ci/run installs it)')

from mcp import Client, MCPError, StdioServerParameters  # noqa: E402
from mcp.types import CallToolResult  # noqa: E402

from qa import Collection  # noqa: E402
from qa.cli import main  # noqa: E402
from qa.integrations.mcp import LocalBackend, create_server  # noqa: E402

from .conftest import (  # noqa: E402
    CO_CHAIR,
    CO_CHAIR_ANSWER,
    CO_CHAIR_SOURCE,
    REPO,
    SEED_DOCUMENTS,
    SERVER_KEY,
    Served,
)
from .test_server import free_port  # noqa: E402

CO_CHAIR_SENTENCE = ("The meeting was co-chaired by Azerbaijan's Digital Development and Transport Deputy Minister "
                     "Rovshan Rustamov and Digital Transformation Office of the Presidency of Turkey Vice-President "
                     "Yavuz Emir Beyribey.")


def talk(server: Any, conversation: Callable[[Client], Awaitable[None]]) -> None:
    """Connect the SDK's client to `server` (a Server in-process, stdio parameters, or a URL) and run `conversation`."""

    async def run() -> None:
        async with Client(server, read_timeout_seconds=60) as client:
            await conversation(client)

    anyio.run(run)


def text(result: CallToolResult) -> str:
    assert len(result.content) == 1 and result.content[0].type == "text"
    return result.content[0].text


def assert_answers_who_co_chaired(result: CallToolResult) -> None:
    """The issue's criterion: the passage holds the answer and cites its article."""
    assert not result.is_error, text(result)
    top = result.structured_content["passages"][0]
    assert CO_CHAIR_ANSWER in top["text"]
    assert top["citation"]["source"] == CO_CHAIR_SOURCE
    assert top["best_sentence"]["text"] == CO_CHAIR_SENTENCE
    assert json.loads(text(result)) == result.structured_content  # the text block is the same JSON, for old clients


# -- in-process: the tools, their schemas, and what they refuse ------------------------------------------------


@pytest.fixture(scope="module")
def seed_collection(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return Collection(SEED_DOCUMENTS, index_dir=tmp_path_factory.mktemp("mcp") / "index")


def test_the_tools_and_their_schemas(seed_collection: Collection) -> None:
    async def conversation(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert list(tools) == ["ask", "get_document"]  # no write tools without a key
        ask = tools["ask"]
        assert ask.input_schema["required"] == ["question"]
        assert ask.input_schema["additionalProperties"] is False
        assert set(ask.input_schema["properties"]) == {"question", "top_k", "explain", "max_per_article",
                                                       "source_prefix", "date_from", "date_to"}
        assert ask.output_schema is not None and "passages" in ask.output_schema["properties"]
        assert ask.annotations is not None and ask.annotations.read_only_hint is True
        assert client.instructions is not None and "cite document_id and span" in client.instructions

    talk(create_server(LocalBackend(seed_collection), writes=False), conversation)


def test_ask_and_get_document(seed_collection: Collection) -> None:
    async def conversation(client: Client) -> None:
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR, "top_k": 2}))
        only = await client.call_tool("ask", {"question": "Azerbaijan Turkey cooperation", "top_k": 5,
                                              "source_prefix": "004_"})
        assert {p["citation"]["source"] for p in only.structured_content["passages"]} == {"004_7d268188ac327656.txt"}
        nothing = await client.call_tool("ask", {"question": "zebra xylophone"})
        assert not nothing.is_error and nothing.structured_content["passages"] == []
        assert nothing.structured_content["message"]

        span = await client.call_tool("get_document", {"document_id": "000_8339c2265b0242b8", "start": 215,
                                                       "end": 422})
        assert not span.is_error
        assert span.structured_content["span"]["text"] == CO_CHAIR_SENTENCE
        assert span.structured_content["text"] == (SEED_DOCUMENTS / CO_CHAIR_SOURCE).read_text(encoding="utf-8")

    talk(create_server(LocalBackend(seed_collection), writes=False), conversation)


ALL_ASK_ARGUMENTS = "top_k, explain, max_per_article, source_prefix, date_from, date_to, question"


@pytest.mark.parametrize(("tool", "arguments", "message"), [
    ("ask", {"question": "Shusha", "date_form": "2024-01-01"},
     f"unknown argument 'date_form' (the arguments are: {ALL_ASK_ARGUMENTS})"),
    ("ask", {"question": ""}, "question: the question is empty"),
    ("ask", {"question": "   "}, "question: the question is empty"),
    ("ask", {}, "question: Field required"),
    ("ask", {"question": "Shusha", "date_from": "2024-02-30"},
     "date_from: '2024-02-30' is not a real date (day is out of range for month)"),
    ("ask", {"question": "Shusha", "date_from": "2024-03-01", "date_to": "2024-01-01"},
     "date_from 2024-03-01 is after date_to 2024-01-01"),
    ("ask", {"question": "Shusha", "top_k": 101}, "top_k must be a whole number from 1 to 100, not 101"),
    ("ask", {"question": "x" * 2001}, "question: the question is 2001 characters long; the limit is 2000"),
    ("get_document", {"document_id": "nope"}, "no document with id 'nope'"),
    ("get_document", {"document_id": "000_8339c2265b0242b8", "start": 10, "end": 99999},
     "the span start=10, end=99999 is not within the article (0..2505)"),
    ("get_document", {"id": "000_8339c2265b0242b8"},
     "document_id: Field required; unknown argument 'id' (the arguments are: document_id, start, end)"),
])
def test_bad_calls_get_an_error_result_and_the_server_goes_on(seed_collection: Collection, tool: str,
                                                               arguments: dict[str, Any], message: str) -> None:
    async def conversation(client: Client) -> None:
        result = await client.call_tool(tool, arguments)
        assert result.is_error and text(result) == message
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR}))

    talk(create_server(LocalBackend(seed_collection), writes=False), conversation)


def test_an_unknown_tool_is_a_protocol_error(seed_collection: Collection) -> None:
    async def conversation(client: Client) -> None:
        with pytest.raises(MCPError, match=r"^unknown tool 'add_document' \(writes are disabled: set QA_API_KEY "
                                           r"to enable add_document and remove_document\); the tools are: ask, "
                                           r"get_document$"):
            await client.call_tool("add_document", {"id": "x", "title": "X", "text": "Some text."})
        with pytest.raises(MCPError, match="^unknown tool 'search'"):
            await client.call_tool("search", {"question": "x"})

    talk(create_server(LocalBackend(seed_collection), writes=False), conversation)


def test_write_tools_change_the_folder(articles_dir: Path, tmp_path: Path) -> None:
    collection = Collection(articles_dir, index_dir=tmp_path / "index")

    async def conversation(client: Client) -> None:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["ask", "get_document", "add_document",
                                                                            "remove_document"]
        added = await client.call_tool("add_document", {"id": "business/port-strike", "title": "Port strike ends",
                                                        "text": "Dock workers ended their strike on Friday.",
                                                        "date": "2024-03-01"})
        assert not added.is_error, text(added)
        assert added.structured_content == {"id": "business/port-strike", "source": "business/port-strike.md",
                                            "title": "Port strike ends", "passages": 1, "status": "indexed"}
        assert (articles_dir / "business" / "port-strike.md").read_text(encoding="utf-8").startswith(
            "---\ntitle: Port strike ends\ndate: 2024-03-01\n---\n")
        found = await client.call_tool("ask", {"question": "dock workers strike", "top_k": 1})
        assert found.structured_content["passages"][0]["citation"]["document_id"] == "business/port-strike"

        refused = await client.call_tool("add_document", {"id": "../escape", "title": "X", "text": "Text."})
        assert refused.is_error and text(refused).startswith("id: invalid document id '../escape'")
        assert not (articles_dir.parent / "escape.md").exists()

        removed = await client.call_tool("remove_document", {"document_id": "business/port-strike"})
        assert removed.structured_content["status"] == "removed"
        assert not (articles_dir / "business" / "port-strike.md").exists()

    talk(create_server(LocalBackend(collection), writes=True), conversation)


# -- real processes: `python -m qa mcp` ---------------------------------------


def stdio(*args: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp", *args], env=env,
                                 cwd=REPO)


def test_over_stdio_the_bundled_documents_answer_who_co_chaired(tmp_path: Path) -> None:
    async def conversation(client: Client) -> None:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["ask", "get_document"]
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR, "top_k": 3}))
        bad = await client.call_tool("ask", {"question": CO_CHAIR, "date_from": "2024-02-30"})
        assert bad.is_error and "is not a real date" in text(bad)
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR}))

    talk(stdio("--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "index")), conversation)


def test_over_stdio_from_a_running_server(served: Served) -> None:
    async def conversation(client: Client) -> None:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["ask", "get_document", "add_document",
                                                                            "remove_document"]
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR}))
        missing = await client.call_tool("get_document", {"document_id": "nope"})
        assert missing.is_error and text(missing) == "no document with id 'nope'"
        added = await client.call_tool("add_document", {"id": "notes/mcp", "title": "Harbour cranes",
                                                        "text": "Three cranes arrived at the harbour."})
        assert not added.is_error, text(added)
        assert (served.documents / "notes" / "mcp.md").exists()
        removed = await client.call_tool("remove_document", {"document_id": "notes/mcp"})
        assert not removed.is_error, text(removed)
        assert not (served.documents / "notes" / "mcp.md").exists()

    talk(stdio("--url", served.url, env={"QA_API_KEY": SERVER_KEY}), conversation)


def test_a_wrong_key_is_the_servers_refusal(served: Served) -> None:
    async def conversation(client: Client) -> None:
        refused = await client.call_tool("remove_document", {"document_id": "000_8339c2265b0242b8"})
        assert refused.is_error and text(refused).startswith("a valid API key is required")
        assert (served.documents / CO_CHAIR_SOURCE).exists()

    talk(stdio("--url", served.url, env={"QA_API_KEY": "wrong"}), conversation)


@pytest.fixture
def mcp_over_http(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "mcp.log"
    with open(log, "w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "qa", "mcp", "--documents", str(SEED_DOCUMENTS),
                                    "--index-dir", str(tmp_path / "index"), "--http", "--port", str(port)],
                                   cwd=REPO, env={**os.environ, "QA_API_KEY": ""}, stdout=subprocess.DEVNULL,
                                   stderr=sink)  # an empty key is no key: no write tools
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "qa mcp --http did not come up"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert f"2 articles in {SEED_DOCUMENTS}, without write tools, at http://127.0.0.1:{port}/mcp" in log.read_text()


def test_over_streamable_http(mcp_over_http: str) -> None:
    async def conversation(client: Client) -> None:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["ask", "get_document"]
        assert_answers_who_co_chaired(await client.call_tool("ask", {"question": CO_CHAIR}))

    talk(mcp_over_http, conversation)


@pytest.mark.parametrize(("args", "message"), [
    (["--http", "--host", "0.0.0.0"], "qa: error: qa mcp --http serves this machine only (127.0.0.1, ::1 or "
     "localhost), not 0.0.0.0: its write tools would be open to anyone who can reach the port\n"),
    (["--documents", "/nonexistent/articles"], "qa: error: documents folder not found: /nonexistent/articles (run qa "
     "from the folder that holds documents/, or give --documents DIR or QA_DOCUMENTS)\n"),
    (["--documents", "documents", "--url", "http://127.0.0.1:8000"],
     "qa: error: give either --documents (a folder) or --url (a running qa server), not both (see 'qa mcp --help')\n"),
    (["--url", "localhost:8000"],
     "qa: error: 'localhost:8000' is not the address of a qa server (like http://127.0.0.1:8000)\n"),
])
def test_what_cannot_be_served_is_one_line_and_status_1(args: list[str], message: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", *args]) == (2 if "--help" in message else 1)
    assert capsys.readouterr().err == message
