"""schemathesis drives the /api/schedules operations with generated input: no answer is a 500, and every
answer matches the documented schema (the whole API's fuzz is test_api_fuzz.py)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from publisher import editors
from publisher.automation import recurring
from publisher.config import Settings
from publisher.store import Store
from publisher.web import create_app
from tests.support.factories import RecordingDispatcher, subscribe

pytestmark = pytest.mark.timeout(600)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def test_no_schedules_operation_answers_500(settings: Settings, any_store: Store):
    editors.add_user(any_store, "robot", "a long enough password")
    subscribe(any_store, "readers", 2)
    recurring.add_schedule(any_store, "readers", "every friday 08:00", "Europe/Berlin")
    app = create_app(settings, any_store)
    app.state.dispatcher = RecordingDispatcher()
    headers = {"Authorization": f"Bearer {editors.create_token(any_store, 'robot', 'fuzz')}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/schedules")]
    assert len(operations) == 6
    try:
        for operation in operations:

            @FUZZ
            @given(case=operation.as_strategy())
            def fuzz(case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

            fuzz()
    finally:
        app.state.signups.close()
