"""The HTTP service, for `uvicorn service:app`. Configure it with QA_* environment variables (see README)."""

from qa.api import create_app

app = create_app()
