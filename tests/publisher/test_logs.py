"""Log lines as text or JSON, with the context fields bound where the work happens."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from publisher import logs
from publisher.config import Settings


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_json_line_has_ts_level_logger_message_and_the_bound_context(captured: io.StringIO):
    logs.setup_logging("json", "INFO", stream=captured)

    with logs.bound(campaign_id=7, channel="smtp"), logs.bound(batch_id=logs.batch_id(120, 619), task_id=None):
        logging.getLogger("publisher.delivery.batch").info("sent %d", 3)
    logging.getLogger("publisher.other").warning("after")

    first, second = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["message"] == "sent 3" and first["level"] == "info" and first["logger"] == "publisher.delivery.batch"
    assert (first["campaign_id"], first["channel"], first["batch_id"]) == (7, "smtp", "120-619")
    assert "task_id" not in first  # None is left out
    assert first["ts"].endswith("+00:00")
    assert second["message"] == "after" and "campaign_id" not in second  # the block's context ended with it


def test_an_exception_is_one_json_line_with_its_traceback(captured: io.StringIO):
    logs.setup_logging("json", stream=captured)

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("publisher").exception("failed")

    [line] = captured.getvalue().splitlines()
    assert "RuntimeError: boom" in json.loads(line)["exc"]


def test_text_lines_carry_the_context_after_the_message(captured: io.StringIO):
    logs.setup_logging("text", stream=captured)

    with logs.bound(campaign_id=3):
        logging.getLogger("publisher").info("hello")

    assert captured.getvalue().rstrip().endswith("INFO publisher: hello [campaign_id=3]")


def test_setting_up_again_replaces_the_handler_instead_of_doubling_lines(captured: io.StringIO):
    logs.setup_logging("text", stream=io.StringIO())
    logs.setup_logging("json", stream=captured)

    logging.getLogger("publisher").info("once")

    assert len(captured.getvalue().splitlines()) == 1


def test_an_unknown_context_field_or_format_is_refused_by_name(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ValueError, match="unknown log context fields: campain_id"), logs.bound(campain_id=1):
        pass
    monkeypatch.setenv("PUBLISHER_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings()


def test_loggers_configured_by_someone_else_are_adopted(captured: io.StringIO):
    uvicorn_access = logging.getLogger("tests.uvicorn.access")
    theirs = io.StringIO()
    uvicorn_access.addHandler(logging.StreamHandler(theirs))
    uvicorn_access.propagate = False

    logs.setup_logging("json", stream=captured, adopt=("tests.uvicorn.access",))
    uvicorn_access.info('127.0.0.1:5000 - "GET /metrics HTTP/1.1" 200')

    assert theirs.getvalue() == ""
    assert json.loads(captured.getvalue())["logger"] == "tests.uvicorn.access"


def test_the_web_app_made_with_json_logs_writes_uvicorns_lines_as_json(
    captured: io.StringIO, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from publisher.web import create_app

    monkeypatch.setenv("PUBLISHER_LOG_FORMAT", "json")
    quiet = logging.getLogger("uvicorn.error")
    monkeypatch.setattr(quiet, "disabled", True)  # as an earlier dictConfig(disable_existing_loggers=True) leaves it
    monkeypatch.setattr(quiet, "level", logging.WARNING)
    create_app(Settings())  # as `uvicorn --factory publisher.web:create_app` makes it
    logging.getLogger("uvicorn.error").info("Application startup complete.")

    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines() if text.startswith("{")]
    assert (line["logger"], line["message"]) == ("uvicorn.error", "Application startup complete.")
