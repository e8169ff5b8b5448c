"""`qa mcp`: qa's questions and documents as Model Context Protocol tools, over stdio or streamable HTTP.

    qa mcp --documents DIR [--index-dir DIR]         # stdio: what an assistant (Claude Desktop, an IDE) starts
    qa mcp --url http://127.0.0.1:8000               # answer from a running qa server instead of a folder
    qa mcp --documents DIR --http --port 8001        # streamable HTTP at http://127.0.0.1:8001/mcp (loopback only)

Tools (inputs and outputs are JSON Schemas the client can read; outputs are also structured content):

    ask(question, top_k?, max_per_article?, source_prefix?, date_from?, date_to?, explain?)
        -> the answer, exactly the body of `POST /ask`: passages with their citations and best sentences
    get_document(document_id, start?, end?)
        -> the article, exactly the body of `GET /documents/{id}`; with start/end also that span in context
    add_document(id, title, text, url?, date?, author?) and remove_document(document_id)
        -> only listed when an API key is configured (QA_API_KEY): they change the documents folder

A bad call (an unknown argument, an empty question, a date such as 2024-02-30, an unknown document) gets an error
result whose text says what to change, for the model to read and correct; the server goes on serving.

Built on the official SDK's low-level `Server` rather than its `MCPServer` decorators: the decorators build the
input schema from a function's signature and silently drop arguments they do not know, so a misspelt filter
(`date_form`) would return unfiltered passages as if all were well. Here each tool's arguments are a pydantic
model that forbids unknown fields (the HTTP API's own request models, so both refuse the same things), and its
output schema is the HTTP API's response model. Needs `pip install "qa[mcp]"`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import uvicorn
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from qa import __version__
from qa.collection import Collection
from qa.config import Settings
from qa.errors import ConfigError, QAError
from qa.index.reader import ArticleInfo
from qa.integrations.remote import RemoteCollection
from qa.integrations.source import Source
from qa.models import Answer
from qa.web.schemas import COUNT_ERROR, AskRequest, DocumentChange, DocumentDetail, DocumentIn, problem_message
from qa.web.views import document_detail

try:
    from mcp import MCPError
    from mcp.server import Server, ServerRequestContext
    from mcp.server.stdio import stdio_server
    from mcp.types import (
        INVALID_PARAMS,
        CallToolRequestParams,
        CallToolResult,
        ListToolsResult,
        PaginatedRequestParams,
        TextContent,
        Tool,
        ToolAnnotations,
    )
except ImportError as error:  # say the fix, not only the missing module
    raise ImportError(f'qa mcp needs the MCP SDK: pip install "qa[mcp]" ({error})') from error

log = logging.getLogger("qa")

DEFAULT_PORT = 8001
"""`--http`'s port: beside `qa serve`'s 8000, so both can run at once."""

INSTRUCTIONS = (
    "Answers questions from a collection of articles. `ask` returns the passages that best answer a question, best "
    "first, each with its citation (document_id, source file, passage number, character span start-end) and its "
    "best sentence. Quote the passages and cite document_id and span; `get_document` reads an article, or a cited "
    "span with the text around it. Questions are matched by their words (BM25), so use the words an article would "
    "use; `unknown_terms` lists words no article contains.")


class Backend(Source, Protocol):
    """What the tools call: `LocalBackend` (a folder) or `RemoteCollection` (a running server)."""

    def document(self, document_id: str, start: int | None = None, end: int | None = None) -> DocumentDetail: ...

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> DocumentChange: ...

    def remove(self, document_id: str) -> DocumentChange: ...


class LocalBackend:
    """A `Collection`, answering with the HTTP API's bodies, so that a folder and a server look alike to a client."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def ask(self, question: str, top_k: int | None = None, *, explain: bool = False,
            max_per_article: int | None = None, source_prefix: str | None = None, date_from: str | None = None,
            date_to: str | None = None) -> Answer:
        return self.collection.ask(question, top_k, explain=explain, max_per_article=max_per_article,
                                   source_prefix=source_prefix, date_from=date_from, date_to=date_to)

    def document(self, document_id: str, start: int | None = None, end: int | None = None) -> DocumentDetail:
        return document_detail(self.collection.index, document_id, start, end)

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> DocumentChange:
        return _change(self.collection.add_document(id, title, text, **origin), "indexed")

    def remove(self, document_id: str) -> DocumentChange:
        return _change(self.collection.remove(document_id), "removed")


def _change(info: ArticleInfo, status: str) -> DocumentChange:
    return DocumentChange(id=info.id, source=info.source, title=info.title, passages=info.n_passages, status=status)


# -- the tools' arguments: the HTTP API's request models, refusing unknown fields ------------------------------

_STRICT = ConfigDict(extra="forbid")


class AskArguments(AskRequest):
    model_config = _STRICT


class DocumentArguments(BaseModel):
    model_config = _STRICT

    document_id: str = Field(min_length=1, description="The article's id, as its citations give it.")
    start: int | None = Field(None, ge=0, description="Start of a span to return with the text around it.")
    end: int | None = Field(None, ge=0, description="End of that span (exclusive).")


class AddArguments(DocumentIn):
    model_config = _STRICT


class RemoveArguments(BaseModel):
    model_config = _STRICT

    document_id: str = Field(min_length=1, description="The id of the article to delete.")


@dataclass(frozen=True)
class ToolSpec:
    """One tool: what it takes and returns (as JSON Schemas), what it does, and whether it writes."""

    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    output: dict[str, Any]
    run: Callable[[Backend, Any], object]
    writes: bool = False

    def tool(self) -> Tool:
        return Tool(name=self.name, title=self.title, description=self.description,
                    input_schema=self.arguments.model_json_schema(), output_schema=self.output,
                    annotations=ToolAnnotations(read_only_hint=not self.writes, destructive_hint=self.writes,
                                                idempotent_hint=True, open_world_hint=False))

    def call(self, backend: Backend, arguments: dict[str, Any]) -> CallToolResult:
        """Validate, run, and answer with structured content, or with an error result saying what was wrong."""
        try:
            result = self.run(backend, self.arguments.model_validate(arguments))
        except ValidationError as error:
            return _error(_problems(error, self.arguments))
        except QAError as error:
            return _error(str(error))
        except Exception:  # a bug: the caller gets an error result, the log gets the traceback
            log.exception("MCP tool %s failed", self.name)
            return _error(f"{self.name} failed inside qa; the server's log (stderr) has the details")
        structured = to_jsonable_python(result)
        return CallToolResult(content=[TextContent(text=json.dumps(structured, ensure_ascii=False))],
                              structured_content=structured)


def _ask(backend: Backend, arguments: AskArguments) -> Answer:
    return backend.ask(arguments.question, arguments.top_k, explain=arguments.explain,
                       max_per_article=arguments.max_per_article, source_prefix=arguments.source_prefix,
                       date_from=arguments.date_from, date_to=arguments.date_to)


def _get_document(backend: Backend, arguments: DocumentArguments) -> DocumentDetail:
    return backend.document(arguments.document_id, arguments.start, arguments.end)


def _add_document(backend: Backend, arguments: AddArguments) -> DocumentChange:
    return backend.add_document(**arguments.model_dump())


def _remove_document(backend: Backend, arguments: RemoveArguments) -> DocumentChange:
    return backend.remove(arguments.document_id)


def _schema(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(model).json_schema(mode="serialization")
    return schema


TOOLS = (
    ToolSpec("ask", "Ask the articles",
             "The passages that best answer a question, best first, each with its citation (document_id, source, "
             "passage, start, end) and best sentence. Optional: top_k (1-100, default 3), source_prefix (file path "
             "start, e.g. 'business/'), date_from/date_to (YYYY-MM-DD, inclusive; undated articles are then left "
             "out), max_per_article, explain (each term's part of the score). No passages and a `message` when "
             "nothing matches.", AskArguments, _schema(Answer), _ask),
    ToolSpec("get_document", "Read an article",
             "An article's full text, title, source, metadata and passage spans. With start and end (character "
             "offsets, as a citation gives them), also `span`: that text with the sentences around it.",
             DocumentArguments, _schema(DocumentDetail), _get_document),
    ToolSpec("add_document", "Add an article",
             "Write an article into the documents folder (as <id>.md; '/' in the id makes sub-folders) and index it: "
             "answerable as soon as this returns. An article with the same id is replaced. Optional url, date "
             "(YYYY-MM-DD) and author reach its citations.", AddArguments, _schema(DocumentChange), _add_document,
             writes=True),
    ToolSpec("remove_document", "Remove an article",
             "Delete an article's file from the documents folder and its passages from the index.",
             RemoveArguments, _schema(DocumentChange), _remove_document, writes=True),
)


def _error(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(text=message)], is_error=True)


def _problems(error: ValidationError, arguments: type[BaseModel]) -> str:
    """A validation error in one line, in words a model can act on."""
    known = ", ".join(arguments.model_fields)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown argument '{where}' (the arguments are: {known})")
        elif item["type"] == COUNT_ERROR:  # the message names the argument itself
            problems.append(problem_message(item))
        else:
            problems.append(f"{where}: {problem_message(item)}")
    return "; ".join(problems)


def create_server(backend: Backend, *, writes: bool) -> Server[Any]:
    """The MCP server over `backend`; `add_document` and `remove_document` are offered only when `writes`."""
    tools = {spec.name: spec for spec in TOOLS if writes or not spec.writes}

    async def list_tools(ctx: ServerRequestContext[Any, Any],
                         params: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=[spec.tool() for spec in tools.values()])

    async def call_tool(ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams) -> CallToolResult:
        spec = tools.get(params.name)
        if spec is None:  # the spec's rule: an unknown tool is a protocol error, not a tool's error result
            hint = (" (writes are disabled: set QA_API_KEY to enable add_document and remove_document)"
                    if any(s.name == params.name for s in TOOLS) else "")
            raise MCPError(INVALID_PARAMS, f"unknown tool '{params.name}'{hint}; the tools are: {', '.join(tools)}")
        # In a worker thread: questions are CPU work and writes touch the disk; the event loop keeps serving.
        return await anyio.to_thread.run_sync(spec.call, backend, params.arguments or {})

    return Server("qa", version=__version__, title="qa: cited passages from a folder of articles",
                  instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=call_tool)


def run(settings: Settings, *, url: str | None = None, http: bool = False, host: str = "127.0.0.1",
        port: int = DEFAULT_PORT) -> None:
    """Serve MCP until the client disconnects (stdio) or the process is stopped (HTTP).

    Answers from `settings.documents` (its index opened, or built, before serving), or from the qa server at `url`.
    An API key (`settings.api_key`, QA_API_KEY) enables the write tools; with `url` it is also what is sent to the
    server. `http` serves streamable HTTP at `http://host:port/mcp` instead of stdio, on a loopback address only:
    the write tools carry the key's authority, and MCP's HTTP transport here has no authentication of its own.
    """
    if http:
        _check_loopback(host)
        if not 1 <= port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535, not {port}")
    backend: Backend
    if url is not None:
        backend = RemoteCollection(url, settings.api_key)
        where = f"the qa server at {backend.url}"
    else:
        collection = Collection(settings=settings)
        if settings.watch:
            collection.watch()
        backend = LocalBackend(collection)
        where = f"{collection.index.manifest['articles']} articles in {settings.documents}"
    writes = bool(settings.api_key)  # as the HTTP API: an empty QA_API_KEY is no key
    server = create_server(backend, writes=writes)
    tools = "with write tools" if writes else "without write tools"
    if http:
        print(f"qa mcp: {where}, {tools}, at http://{_netloc(host, port)}/mcp", file=sys.stderr)
        uvicorn.run(server.streamable_http_app(host=host), host=host, port=port, log_level="warning")
    else:
        print(f"qa mcp: {where}, {tools}, over stdio", file=sys.stderr)
        anyio.run(_serve_stdio, server)


async def _serve_stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def _check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(f"qa mcp --http serves this machine only (127.0.0.1, ::1 or localhost), not {host}: "
                          "its write tools would be open to anyone who can reach the port")


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
