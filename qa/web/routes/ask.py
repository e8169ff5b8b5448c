"""`POST /ask`, `GET /ask` and `POST /ask/batch`: questions -> the best passages with their citations."""

from __future__ import annotations

import functools
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from qa.models import Answer, BatchAnswer
from qa.web.deps import collection
from qa.web.fastpath import DeepJsonRoute, json_body, json_response, with_fast_path
from qa.web.schemas import AskQuery, AskRequest, BatchRequest, ErrorBody
from qa.web.security import require_reader

ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorBody, "description": "Invalid request; `detail` says what to change"}}

async def answer(request: Request, question: str, options: AskQuery | AskRequest) -> Response:
    """The one way both `/ask` routes answer: on the event loop (a question is CPU work of microseconds to
    milliseconds), or in a thread when what answers waits on other processes (`waits`: the shards of
    `qa serve --ray`), so that the app takes other questions meanwhile."""
    served = collection(request)
    ask = functools.partial(served.searcher.ask, question, _top_k(request, options.top_k),
                            explain_scores=options.explain, max_per_article=options.max_per_article,
                            where=options.where())
    found = await run_in_threadpool(ask) if getattr(served, "waits", False) else ask()
    return json_response(found)


def _top_k(request: Request, top_k: int | None) -> int:
    return top_k if top_k is not None else collection(request).settings.top_k


async def ask_fast(request: Request) -> Response | None:
    data = json_body(request, await request.body())
    if not isinstance(data, dict):
        return None  # FastAPI decides: it reports unreadable JSON even before it checks the key
    await require_reader(request)
    try:
        body = AskRequest.model_validate(data)
    except ValidationError:
        return None
    return await answer(request, body.question, body)


async def ask_get_fast(request: Request) -> Response | None:
    await require_reader(request)
    try:
        query = AskQuery.model_validate(dict(request.query_params))  # the last of repeated keys, as FastAPI
    except ValidationError:
        return None
    return await answer(request, query.q, query)


@with_fast_path(ask_fast)
async def ask(body: AskRequest, request: Request) -> Response:
    """Answer one question with the best passages, each with its citation."""
    return await answer(request, body.question, body)


@with_fast_path(ask_get_fast)
async def ask_get(request: Request, query: Annotated[AskQuery, Query()]) -> Response:
    """The same as `POST /ask`, for links and quick tries: `GET /ask?q=...&top_k=3&explain=true`."""
    return await answer(request, query.q, query)


async def ask_batch(body: BatchRequest, request: Request) -> Response:
    """Answer up to 100 questions in one request; answers come back in the questions' order."""
    started = time.perf_counter()
    served = collection(request)
    top_k, where = _top_k(request, body.top_k), body.where()

    def ask_all() -> list[Answer]:
        return [served.searcher.ask(question, top_k, explain_scores=body.explain,
                                    max_per_article=body.max_per_article, where=where)
                for question in body.questions]

    answers = await run_in_threadpool(ask_all) if getattr(served, "waits", False) else ask_all()
    return json_response(BatchAnswer(answers, round((time.perf_counter() - started) * 1000, 3)))


def router() -> APIRouter:
    """The question routes (made per app, so that each app's routes take `DeepJsonRoute` as it is then)."""
    routes = APIRouter(tags=["ask"], dependencies=[Depends(require_reader)], route_class=DeepJsonRoute)
    routes.add_api_route("/ask", ask, methods=["POST"], response_model=Answer, responses=ERRORS)
    routes.add_api_route("/ask", ask_get, methods=["GET"], response_model=Answer, responses=ERRORS)
    routes.add_api_route("/ask/batch", ask_batch, methods=["POST"], response_model=BatchAnswer, responses=ERRORS)
    return routes
