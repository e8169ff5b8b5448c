"""A bad number of passages (`top_k`, `max_per_article`) is refused in the same words by the Python API, HTTP, the
CLI and MCP: one rule and one message (`qa.defaults.passage_count`), not pydantic's, Typer's and qa's three."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from qa import Collection
from qa.cli import main
from qa.config import Settings
from qa.defaults import count_problem
from qa.errors import InvalidRequest
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS, settings_for

BAD_TOP_K: list[Any] = [0, -1, 101, 10**9, 2.5, True, "3", "many"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("counts") / "index"


@pytest.fixture(scope="module")
def collection(index_dir: Path) -> Collection:
    return Collection(SEED_DOCUMENTS, index_dir=index_dir)


@pytest.fixture(scope="module")
def client(index_dir: Path, collection: Collection) -> Iterator[TestClient]:
    settings: Settings = settings_for(SEED_DOCUMENTS, index_dir)
    with TestClient(create_app(settings)) as client:
        yield client


def python_error(collection: Collection, **options: Any) -> str:
    with pytest.raises(InvalidRequest) as raised:
        collection.ask("Shusha", **options)
    return str(raised.value)


@pytest.mark.parametrize("value", BAD_TOP_K)
def test_python_http_and_mcp_say_the_same(value: Any, collection: Collection, client: TestClient) -> None:
    expected = count_problem("top_k", value)
    assert expected.startswith("top_k must be a whole number from 1 to 100, not ")
    assert python_error(collection, top_k=value) == expected
    response = client.post("/ask", json={"question": "Shusha", "top_k": value})
    assert (response.status_code, response.json()["detail"]) == (422, expected)
    response = client.post("/ask/batch", json={"questions": ["Shusha"], "top_k": value})
    assert (response.status_code, response.json()["detail"]) == (422, expected)
    assert mcp_error(collection, {"question": "Shusha", "top_k": value}) == expected


@pytest.mark.parametrize(("text", "shown"), [("0", "0"), ("101", "101"), ("1000000000", "1000000000"),
                                              ("2.5", "'2.5'"), ("many", "'many'"), ("", "''")])
def test_the_url_query_and_the_command_line_say_it_too(text: str, shown: str, client: TestClient, index_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    response = client.get("/ask", params={"q": "Shusha", "top_k": text})
    assert (response.status_code, response.json()["detail"]) == (
        422, f"top_k must be a whole number from 1 to 100, not {shown}")
    # the CLI names its flag, and exits 2 (a usage error) with one line
    capsys.readouterr()  # the server's access log
    status = main(["ask", "Shusha", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(index_dir),
                   "--top-k", text])
    assert status == 2
    assert capsys.readouterr().err == (f"qa: error: --top-k must be a whole number from 1 to 100, not {shown} "
                                       "(see 'qa ask --help')\n")


def test_max_per_article_follows_the_same_rule(collection: Collection, client: TestClient) -> None:
    expected = "max_per_article must be a whole number from 0 (no limit) to 100, not -1"
    assert python_error(collection, max_per_article=-1) == expected
    response = client.post("/ask", json={"question": "Shusha", "max_per_article": -1})
    assert response.json()["detail"] == expected
    assert client.get("/ask", params={"q": "Shusha", "max_per_article": "-1"}).json()["detail"] == expected
    assert mcp_error(collection, {"question": "Shusha", "max_per_article": -1}) == expected


def test_a_huge_value_is_refused_briefly_without_building_anything(collection: Collection,
                                                                   client: TestClient) -> None:
    """10**9 passages are never allocated: the limit is said at once; a number too long to print is described."""
    huge = 10**5000  # repr() of it raises ValueError (Python's 4,300-digit limit)
    expected = "top_k must be a whole number from 1 to 100, not a number of about 5000 digits"
    assert python_error(collection, top_k=huge) == expected
    assert python_error(collection, top_k=10**9) == "top_k must be a whole number from 1 to 100, not 1000000000"
    response = client.get("/ask", params={"q": "Shusha", "top_k": "9" * 3000})
    assert response.status_code == 422 and response.json()["detail"].endswith("not a number of about 3000 digits")


def test_good_values_still_answer(collection: Collection, client: TestClient) -> None:
    assert len(collection.ask("Shusha Declaration", top_k=1).passages) == 1
    assert len(client.post("/ask", json={"question": "Shusha Declaration", "top_k": 1.0}).json()["passages"]) == 1
    assert len(client.get("/ask", params={"q": "Shusha Declaration", "top_k": "1"}).json()["passages"]) == 1


def mcp_error(collection: Collection, arguments: dict[str, Any]) -> str:
    """The text of the error result of an `ask` call through the MCP SDK's client (skipped without the extra)."""
    pytest.importorskip("mcp", reason='the MCP SDK is an extra: pip install -e ".[mcp]" (.ci/run installs it)')
    from mcp import Client

    from qa.integrations.mcp import LocalBackend, create_server

    said: list[str] = []

    async def run() -> None:
        async with Client(create_server(LocalBackend(collection), writes=False), read_timeout_seconds=60) as client:
            result = await client.call_tool("ask", arguments)
            assert result.is_error and len(result.content) == 1 and result.content[0].type == "text"
            said.append(result.content[0].text)

    anyio.run(run)
    return said[0]


def test_the_environment_setting_is_told_the_same(index_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """QA_TOP_K is a setting (an invalid one exits 1, "invalid setting: ..."), refused by the same rule."""
    for value, shown in (("0", "0"), ("many", "'many'")):
        monkeypatch.setenv("QA_TOP_K", value)
        assert main(["ask", "Shusha", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(index_dir)]) == 1
        assert capsys.readouterr().err == (
            f"qa: error: invalid setting: top_k must be a whole number from 1 to 100, not {shown}\n")
    monkeypatch.setenv("QA_TOP_K", "2")
    assert main(["ask", "Shusha", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(index_dir), "--json"]) == 0
    assert capsys.readouterr().out.count('"passage":') == 2
