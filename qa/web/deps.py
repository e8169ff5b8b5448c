"""What a route needs from the app: its `Collection` and settings (put into `app.state` by the lifespan)."""

from __future__ import annotations

from fastapi import Request

from qa.collection import Collection
from qa.config import Settings


def collection(request: Request) -> Collection:
    """The collection the app answers from."""
    found: Collection = request.app.state.collection
    return found


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found
