"""schemathesis drives every operation in /api/openapi.json with generated input: no answer is a 500,
and every answer matches the documented schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from publisher import editors
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.factories import RecordingDispatcher, seed_article, subscribe


@pytest.fixture
def api_app(settings: Settings, any_store: Store, seed_path: Path):
    store = any_store
    editors.add_user(store, "robot", "a long enough password")
    seed_article(store, seed_path)
    subscribe(store, "readers", 3)
    app = create_app(settings, store)
    app.state.dispatcher = RecordingDispatcher()
    app.state.token = editors.create_token(store, "robot", "fuzz")
    yield app
    app.state.signups.close()  # the signups the fuzzer queued are handled before the store goes


# Every operation in one test, 30 examples each: minutes on a loaded 2-core machine, beyond the suite's 180 s.
pytestmark = pytest.mark.timeout(900)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def test_no_operation_answers_500(api_app):
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api_app)
    headers = {"Authorization": f"Bearer {api_app.state.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18  # every operation the API documents is exercised

    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        fuzz()
