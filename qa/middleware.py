"""Service layers around the HTTP API: limits, CORS, metrics, access logs. Being written (issue 8)."""

from __future__ import annotations

from fastapi import FastAPI

from qa.config import Settings


def install_service_layers(app: FastAPI, settings: Settings | None) -> None:
    """Add the middleware and endpoints that protect and observe the service (none yet)."""
