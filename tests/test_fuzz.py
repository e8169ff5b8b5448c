"""Schemathesis against the service's own OpenAPI schema: no 5xx, and every response matches the schema.

Every operation gets a bounded number of generated requests (valid and invalid: wrong types, out-of-range numbers,
odd strings), sent in-process through ASGI. The checks are schemathesis's defaults: no server error, status code
and content type documented, body valid against the documented model. The whole file takes well under a minute.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from qa.config import Settings
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS

EXAMPLES_PER_OPERATION = 25
STATEFUL_EXAMPLES = 40

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


# -- stateful: sequences of add, read, ask and delete ---------------------------------------------------------------

KEY = "fuzz-key"
STATEFUL_STEPS: Counter[tuple[str, str, int]] = Counter()
"""(method, path, status) of every call the stateful run made: the run's case counts."""
_STATEFUL = Path(tempfile.mkdtemp(prefix="qa-fuzz-stateful-"))
shutil.copytree(SEED_DOCUMENTS, _STATEFUL / "documents")
stateful_app = create_app(Settings(documents=_STATEFUL / "documents", index_dir=_STATEFUL / "index", api_key=KEY))
# An article must be readable to be added: a schema-valid upload of bytes that are no article is rightly 422, so the
# stateful run leaves the checks of what is accepted to test_api_accepts_exactly_what_its_schema_documents.
STATEFUL_CONFIG = SchemathesisConfig.from_str("""
[checks.positive_data_acceptance]
enabled = false
[checks.negative_data_rejection]
enabled = false
""")
stateful_schema = schemathesis.openapi.from_asgi("/openapi.json", stateful_app, config=STATEFUL_CONFIG)


class Sequences(stateful_schema.as_state_machine()):  # type: ignore[misc]
    """Follows the schema's links: an article added (POST /documents) is read, asked about and deleted, with
    generated requests in between; every response is checked (no 5xx, documented status, content type and body,
    a deleted article is gone, an added one is there)."""

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
        return {"headers": {"Authorization": f"Bearer {KEY}"}}

    def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
        super().after_call(response, case)
        STATEFUL_STEPS[(case.method, case.path, response.status_code)] += 1


def test_api_survives_sequences_of_writes_and_questions() -> None:
    with TestClient(stateful_app):
        Sequences.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=8, deadline=None,
                                        derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    shutil.rmtree(_STATEFUL, ignore_errors=True)
    calls = sum(STATEFUL_STEPS.values())
    server_errors = sum(n for (_, _, status), n in STATEFUL_STEPS.items() if status >= 500)
    print(f"stateful run: {calls} calls, 5xx: {server_errors}; " + ", ".join(
        f"{method} {path} {status}: {n}" for (method, path, status), n in sorted(STATEFUL_STEPS.items())))
    assert server_errors == 0
    added = sum(n for (method, path, status), n in STATEFUL_STEPS.items() if (method, status) == ("POST", 201))
    removed = sum(n for (method, path, status), n in STATEFUL_STEPS.items() if (method, status) == ("DELETE", 200))
    asked = sum(n for (method, path, status), n in STATEFUL_STEPS.items() if (method, path, status) ==
                ("GET", "/ask", 200))
    assert added and removed and asked  # the sequences really added, asked and deleted
