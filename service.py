"""The HTTP service, for `uvicorn service:app`. Configure it with QA_* environment variables (see README)."""

from qa.web.app import create_app

app = create_app()
