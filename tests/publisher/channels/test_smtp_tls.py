"""The SMTP channel's STARTTLS, implicit TLS, CA bundle and login against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.channels import ConnectionFailed, Email, PermanentError, SetupFailed
from publisher.channels.smtp import SmtpChannel, SmtpConfig
from publisher.errors import ConfigError
from tests.support.services import free_port
from tests.support.smtp import SmtpServer
from tests.support.tls import Accounts, Authority, TlsSmtpServer, make_ca, server_context

PASSWORD = "s3cret-Pa55word"


def message(to: str = "reader@example.com") -> Email:
    raw = f"From: a@example.org\r\nTo: {to}\r\nMessage-ID: <tls@example.org>\r\nSubject: hi\r\n\r\nbody\r\n".encode()
    return Email(message_id="<tls@example.org>", sender="a@example.org", recipient=to, raw=raw)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca(directory, "Publisher test CA")
    rogue = make_ca(directory, "Someone else CA")
    return {"dir": directory, "ca": ca, "rogue": rogue}


def _server(pki: dict, mode: str, signer: Authority | None = None, **kwargs) -> Iterator[TlsSmtpServer]:
    server = TlsSmtpServer(server_context(signer or pki["ca"], pki["dir"]), mode, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def starttls_server(pki: dict) -> Iterator[TlsSmtpServer]:
    yield from _server(pki, "starttls", accounts=Accounts("mailer", PASSWORD))


@pytest.fixture
def ssl_server(pki: dict) -> Iterator[TlsSmtpServer]:
    yield from _server(pki, "ssl", accounts=Accounts("mailer", PASSWORD))


def config(server, pki: dict, **overrides) -> SmtpConfig:
    values = dict(
        host=server.host,
        port=server.port,
        security="starttls",
        username="mailer",
        password=PASSWORD,
        ca_file=pki["ca"].pem,
        timeout=10,
    )
    values.update(overrides)
    return SmtpConfig(**values)


def test_starttls_with_login_delivers(starttls_server: TlsSmtpServer, pki: dict):
    channel = SmtpChannel(config(starttls_server, pki))
    result = channel.send(message())
    channel.close()

    assert result.provider_id == "<tls@example.org>"
    [received] = starttls_server.wait_for(1)
    assert received.rcpt_tos == ["reader@example.com"]
    assert starttls_server.accounts.attempts == ["mailer"]  # AUTH happened, and only after STARTTLS (the server
    # offers AUTH over TLS only: auth_require_tls)


def test_starttls_by_host_name_checks_the_name_in_the_certificate(starttls_server: TlsSmtpServer, pki: dict):
    channel = SmtpChannel(config(starttls_server, pki, host="localhost"))
    channel.send(message())
    channel.close()
    assert len(starttls_server.wait_for(1)) == 1


def test_implicit_tls_with_login_delivers(ssl_server: TlsSmtpServer, pki: dict):
    channel = SmtpChannel(config(ssl_server, pki, security="ssl"))
    results = list(channel.send_many([message("a@example.com"), message("b@example.com")]))
    channel.close()

    assert [r.provider_id for r in results] == ["<tls@example.org>"] * 2
    assert [m.rcpt_tos for m in ssl_server.wait_for(2)] == [["a@example.com"], ["b@example.com"]]
    assert ssl_server.accounts.attempts == ["mailer"]


def test_a_wrong_password_is_permanent_and_names_the_user_not_the_password(
    starttls_server: TlsSmtpServer, pki: dict, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + PASSWORD
    channel = SmtpChannel(config(starttls_server, pki, password=wrong))
    with pytest.raises(PermanentError) as refused:
        channel.send(message())

    assert isinstance(refused.value, SetupFailed)
    text = str(refused.value)
    assert "'mailer'" in text and f"127.0.0.1:{starttls_server.port}" in text and "535" in text
    assert wrong not in text and PASSWORD not in text
    assert wrong not in caplog.text and wrong not in repr(channel.config)
    assert wrong not in "".join(traceback.format_exception(refused.value))  # nor in a chained exception
    assert starttls_server.messages == []


def test_a_certificate_from_another_ca_is_refused_clearly(pki: dict, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for server in _server(pki, "starttls", signer=pki["rogue"], accounts=Accounts("mailer", PASSWORD)):
        channel = SmtpChannel(config(server, pki))
        with pytest.raises(SetupFailed) as refused:
            channel.send(message())
        text = str(refused.value)
        assert f"TLS certificate of SMTP server 127.0.0.1:{server.port} failed verification" in text
        assert "unable to get local issuer certificate" in text
        assert str(pki["ca"].pem) in text
        assert server.accounts.attempts == []  # the password never left over an untrusted connection
        assert server.messages == []
    assert PASSWORD not in caplog.text


def test_implicit_tls_with_an_untrusted_certificate_is_refused(pki: dict):
    for server in _server(pki, "ssl", signer=pki["rogue"]):
        channel = SmtpChannel(config(server, pki, security="ssl", username=None, password=None))
        with pytest.raises(SetupFailed, match="failed verification: unable to get local issuer certificate"):
            channel.send(message())


def test_the_system_store_is_the_default_and_does_not_trust_a_private_ca(starttls_server: TlsSmtpServer, pki: dict):
    channel = SmtpChannel(config(starttls_server, pki, ca_file=None))
    with pytest.raises(SetupFailed, match="failed verification.*PUBLISHER_SMTP_CA_FILE is unset"):
        channel.send(message())


def test_a_certificate_for_another_name_is_refused(pki: dict):
    context = server_context(pki["ca"], pki["dir"], names=("mail.example.org",))
    server = TlsSmtpServer(context, "starttls").start()
    try:
        channel = SmtpChannel(config(server, pki, username=None, password=None))
        with pytest.raises(SetupFailed, match="failed verification: IP address mismatch"):
            channel.send(message())
    finally:
        server.stop()


def test_starttls_required_but_not_offered_is_a_clear_error(smtp_server: SmtpServer, pki: dict):
    channel = SmtpChannel(config(smtp_server, pki))
    with pytest.raises(SetupFailed, match=f"127.0.0.1:{smtp_server.port} does not offer STARTTLS"):
        channel.send(message())
    assert smtp_server.messages == []


def test_implicit_tls_against_a_plain_server_is_a_clear_error(smtp_server: SmtpServer, pki: dict):
    channel = SmtpChannel(config(smtp_server, pki, security="ssl", username=None, password=None))
    with pytest.raises(SetupFailed, match="TLS handshake with SMTP server .* failed: .*ports such as 465"):
        channel.send(message())


def test_a_refused_connection_stays_transient(pki: dict):
    channel = SmtpChannel(config(SmtpConfig("127.0.0.1", free_port()), pki, timeout=2))
    with pytest.raises(ConnectionFailed, match="cannot reach SMTP server"):
        channel.send(message())


def test_a_missing_ca_file_is_a_configuration_error(pki: dict, tmp_path: Path):
    with pytest.raises(ConfigError, match="PUBLISHER_SMTP_CA_FILE: cannot load CA certificates from .*nope.pem"):
        SmtpChannel(SmtpConfig("127.0.0.1", 25, security="starttls", ca_file=tmp_path / "nope.pem"))
    not_pem = tmp_path / "empty.pem"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="PUBLISHER_SMTP_CA_FILE"):
        SmtpChannel(SmtpConfig("127.0.0.1", 25, security="ssl", ca_file=not_pem))


def test_failover_skips_a_server_with_an_untrusted_certificate(starttls_server: TlsSmtpServer, pki: dict):
    for rogue in _server(pki, "starttls", signer=pki["rogue"], accounts=Accounts("mailer", PASSWORD)):
        channel = SmtpChannel([config(rogue, pki), config(starttls_server, pki)])
        channel.send(message())
        channel.close()
        assert len(starttls_server.wait_for(1)) == 1 and rogue.accounts.attempts == []


def test_verify_connects_logs_in_and_sends_nothing(starttls_server: TlsSmtpServer, ssl_server: TlsSmtpServer, pki):
    channel = SmtpChannel([config(starttls_server, pki), config(ssl_server, pki, security="ssl")])
    summary = channel.verify()
    channel.close()

    first, second = summary.split("; greeting")[0], summary.split("; ", 2)[-1]
    assert first.startswith(f"mx.test.invalid at 127.0.0.1:{starttls_server.port} (STARTTLS TLSv1.")
    assert "logged in as 'mailer'" in summary
    assert f"mx.test.invalid at 127.0.0.1:{ssl_server.port} (implicit TLS TLSv1." in second
    assert starttls_server.accounts.attempts == ["mailer"] and ssl_server.accounts.attempts == ["mailer"]
    assert starttls_server.messages == [] and ssl_server.messages == []
    assert PASSWORD not in summary


def test_verify_reports_a_dead_port(pki: dict):
    channel = SmtpChannel(SmtpConfig("127.0.0.1", free_port(), timeout=2))
    with pytest.raises(ConnectionFailed, match="cannot reach SMTP server 127.0.0.1"):
        channel.verify()
