"""Prometheus metrics of the HTTP service: requests, latency, and the loaded index (`GET /metrics`).

    qa_http_requests_total{method="POST",route="/ask",status="200"} 12.0
    qa_http_request_duration_seconds_bucket{method="POST",route="/ask",le="0.005"} 11.0
    qa_index_passages 41.0
    qa_index_age_seconds 3600.2

`route` is the route's template (`/documents/{document_id:path}`), never the raw path, so an attacker cannot
create one time series per URL; paths that match no route count as `<unmatched>`. Request metrics live in
`REGISTRY` (one per process, shared by every app the process creates); the index gauges are read from the app
that answers the scrape. With several worker processes (`qa serve --workers N`) each worker counts its own
requests, unless `PROMETHEUS_MULTIPROC_DIR` names a folder shared by the workers (prometheus-client's
multiprocess mode), in which case a scrape of any worker returns the sum over all of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

UNMATCHED = "<unmatched>"

disable_created_metrics()  # no `_created` series: one timestamp per label set is noise to a scraper

REGISTRY = CollectorRegistry(auto_describe=True)
"""Request metrics and the process collectors (memory, CPU, open files) of this process."""

ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

REQUESTS = Counter("qa_http_requests", "HTTP requests answered, by method, route template and status.",
                   ("method", "route", "status"), registry=REGISTRY)
LATENCY = Histogram("qa_http_request_duration_seconds", "Time from request to the end of the response.",
                    ("method", "route"), registry=REGISTRY,
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one request and its latency. Label values are bounded: route templates, standard methods, statuses."""
    if method not in _METHODS:
        method = "other"  # a client may send any token as its method
    key = (method, route, status)
    pair = _children.get(key)
    if pair is None:
        pair = _children[key] = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
    pair[0].inc()
    pair[1].observe(seconds)


class IndexCollector(Collector):
    """Gauges of the index an app serves: articles, passages, terms, skipped files, age."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def collect(self) -> Iterator[GaugeMetricFamily]:
        manifest = self.index.manifest
        for name, key, text in (("articles", "articles", "Articles in the loaded index."),
                                ("passages", "passages", "Passages in the loaded index."),
                                ("terms", "terms", "Distinct terms in the loaded index.")):
            yield GaugeMetricFamily(f"qa_index_{name}", text, value=float(manifest.get(key, 0)))
        yield GaugeMetricFamily("qa_index_skipped_files", "Files of the documents folder that were not indexed.",
                                value=float(len(manifest.get("skipped", []))))
        built = datetime.fromisoformat(manifest["built_at"])
        yield GaugeMetricFamily("qa_index_built_timestamp_seconds", "When the loaded index was built (Unix time).",
                                value=built.timestamp())
        yield GaugeMetricFamily("qa_index_age_seconds", "Seconds since the loaded index was built.",
                                value=(datetime.now(UTC) - built).total_seconds())


def render(index: Any | None) -> tuple[bytes, str]:
    """The Prometheus text exposition of this process's (or all workers') metrics and of `index`."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    body = generate_latest(requests)
    if index is not None:
        gauges = CollectorRegistry(auto_describe=False)
        gauges.register(IndexCollector(index))
        body += generate_latest(gauges)
    return body, CONTENT_TYPE_LATEST
