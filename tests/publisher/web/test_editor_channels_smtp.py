"""The channels page's "Test connection" on the smtp channel really connects: STARTTLS with the configured CA,
login, QUIT, nothing sent; a dead port is reported as such. The password never reaches the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher.channels.check import check_channel
from publisher.config import Settings
from tests.support.services import free_port
from tests.support.tls import Accounts, TlsSmtpServer, make_ca, server_context

from .conftest import csrf_of

PASSWORD = "page-Pa55word"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TlsSmtpServer, Path]]:
    ca = make_ca(tmp_path)
    server = TlsSmtpServer(server_context(ca, tmp_path), "starttls", accounts=Accounts("mailer", PASSWORD)).start()
    yield server, ca.pem
    server.stop()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tls_server: tuple[TlsSmtpServer, Path]) -> Settings:
    server, ca_file = tls_server
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(server.port))
    monkeypatch.setenv("PUBLISHER_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("PUBLISHER_SMTP_CA_FILE", str(ca_file))
    monkeypatch.setenv("PUBLISHER_SMTP_USERNAME", "mailer")
    monkeypatch.setenv("PUBLISHER_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("PUBLISHER_SMTP_TIMEOUT", "5")
    return Settings()


def test_test_connection_on_smtp_connects_logs_in_and_sends_nothing(
    editor: httpx.Client, tls_server: tuple[TlsSmtpServer, Path]
):
    server, _ = tls_server
    listing = editor.get("/editor/channels").text
    assert '<tr data-channel="smtp"><td>smtp</td>' in listing
    assert "connects, TLS and login as configured, sends nothing" in listing

    page = editor.post("/editor/channels/smtp/test", data={"csrf_token": csrf_of(listing)}).text

    assert f"smtp: connected to mx.test.invalid at 127.0.0.1:{server.port} (STARTTLS TLSv1." in page
    assert "logged in as &#39;mailer&#39;" in page and "nothing was sent" in page
    assert server.accounts.attempts == ["mailer"] and server.messages == []
    assert PASSWORD not in page and PASSWORD not in listing


def test_check_reports_a_dead_port(settings: Settings):
    settings.smtp_port = free_port()
    settings.smtp_timeout = 2
    dead = check_channel("smtp", settings)
    assert not dead.ok and not dead.verified
    assert dead.message.startswith(f"cannot reach SMTP server 127.0.0.1:{settings.smtp_port}")


def test_check_reports_a_refused_password_without_it(settings: Settings, tls_server: tuple[TlsSmtpServer, Path]):
    settings.smtp_password = type(settings.smtp_password)("wrong-" + PASSWORD)
    refused = check_channel("smtp", settings)
    assert not refused.ok
    assert refused.message.startswith(f"SMTP login as 'mailer' refused by 127.0.0.1:{tls_server[0].port}: 535")
    assert PASSWORD not in refused.message
