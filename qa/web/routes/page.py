"""The question page (`/`, plain HTML/JS/CSS from qa/web/static: no build step, nothing loaded from elsewhere) and
the interactive API docs (`/docs`, Swagger UI served from the swagger-ui-bundle package: works offline)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent.parent / "static"


def mount(app: FastAPI) -> None:
    """Add the page, its files and the API docs to `app`."""

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> Response:
        """Interactive API docs (Swagger UI), with its files served by this service: works offline."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="qa API",
                                   swagger_js_url="/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/swagger/swagger-ui.css",
                                   swagger_favicon_url="/swagger/favicon-32x32.png")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
