"""Dates are real dates: an impossible filter date is a usage error on the CLI (tests/test_cli.py) and 422 here."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa.config import Settings
from qa.web.app import create_app


@pytest.mark.parametrize("day", ["2024-02-30", "2024-13-01", "2023-02-29", "2024-00-10"])
def test_impossible_filter_dates_are_422(seed_settings: Settings, day: str) -> None:
    with TestClient(create_app(seed_settings)) as client:
        for name in ("date_from", "date_to"):
            got = client.get("/ask", params={"q": "trade", name: day})
            posted = client.post("/ask", json={"question": "trade", name: day})
            batch = client.post("/ask/batch", json={"questions": ["trade"], name: day})
            for response in (got, posted, batch):
                assert response.status_code == 422, (name, day, response.text)
                where = "query." if response is got else ""
                assert response.json()["detail"].startswith(f"{where}{name}: '{day}' is not a real date (")
        assert client.get("/ask", params={"q": "trade", "date_from": "2024-02-29"}).status_code == 200
