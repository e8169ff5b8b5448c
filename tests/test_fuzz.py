"""Schemathesis against the service's own OpenAPI schema: no 5xx, and every response matches the schema.

Every operation gets a bounded number of generated requests (valid and invalid: wrong types, out-of-range numbers,
odd strings), sent in-process through ASGI. The checks are schemathesis's defaults: no server error, status code
and content type documented, body valid against the documented model. The whole file takes well under a minute.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from qa.config import Settings
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS

EXAMPLES_PER_OPERATION = 25

_WORK = Path(tempfile.mkdtemp(prefix="qa-fuzz-"))
shutil.copytree(SEED_DOCUMENTS, _WORK / "documents")  # a copy: nothing generated here may touch documents/
app = create_app(Settings(documents=_WORK / "documents", index_dir=_WORK / "index", api_key=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def loaded_app() -> Iterator[None]:
    """Run the lifespan once (the index lands in app.state, which schemathesis's own clients then use)."""
    with TestClient(app):
        yield
    shutil.rmtree(_WORK, ignore_errors=True)


FUZZ = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_api_survives_generated_requests(case: schemathesis.Case) -> None:
    """No 5xx, documented status codes, content types, headers (`Allow`) and bodies."""
    case.call_and_validate(excluded_checks=[negative_data_rejection, positive_data_acceptance])


@schema.include(method="POST", path_regex="^/ask").parametrize()
@FUZZ
def test_api_accepts_exactly_what_its_schema_documents(case: schemathesis.Case) -> None:
    """Schema-valid requests are answered, schema-breaking ones (a boolean where an integer goes) are refused."""
    case.call_and_validate(checks=[negative_data_rejection, positive_data_acceptance])
