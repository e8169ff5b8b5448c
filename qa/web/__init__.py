"""The HTTP layer: the FastAPI app (`app.create_app`), one router per resource (`routes/`), the request bodies
(`schemas`), the fast path of `/ask` (`fastpath`), limits and observability (pure ASGI middleware), metrics, and
the process model of `qa serve --workers N` (`serving`)."""
