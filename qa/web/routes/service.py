"""`GET /health` and `GET /metrics`: what the service answers from, for people and for monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from qa.web import metrics
from qa.web.deps import collection
from qa.web.routes.documents import model_response
from qa.web.schemas import Health
from qa.web.views import health

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
async def get_health(request: Request) -> Response:
    """Liveness, and what is indexed: articles, passages, when the index was built."""
    return model_response(health(collection(request).index))


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
async def get_metrics(request: Request) -> Response:
    """Prometheus metrics: requests by route and status, latency histogram, index size and age, process."""
    served = getattr(request.app.state, "collection", None)
    body, content_type = metrics.render(served.index if served is not None else None)
    return Response(content=body, media_type=content_type)
