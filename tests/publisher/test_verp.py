"""VERP return paths: every send's envelope sender names it, signed; a forged or altered one is recognised."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher import campaigns
from publisher.config import Settings
from publisher.store import Store
from publisher.verp import Verp, verp_of
from tests.publisher.test_delivery import new_campaign, run_all
from tests.support.smtp import SmtpServer

VERP = Verp("k" * 32, "bounces", "example.org")


def test_return_path_round_trips_to_its_send():
    address = VERP.address(12, 345)

    assert address.startswith("bounces+c12.r345.") and address.endswith("@example.org")
    assert VERP.parse(address) == (12, 345)
    assert VERP.parse(f"<{address.upper()}>") == (12, 345)  # some MTAs change the case of the local part


@pytest.mark.parametrize(
    "altered",
    [
        lambda a: a.replace("c12.", "c13."),  # another campaign
        lambda a: a.replace("r345.", "r346."),  # another subscriber
        lambda a: a[: a.index("@") - 1] + ("0" if a[a.index("@") - 1] != "0" else "1") + a[a.index("@") :],
    ],
)
def test_an_altered_return_path_is_recognised_as_forged(altered):
    assert VERP.parse(altered(VERP.address(12, 345))) is False


@pytest.mark.parametrize(
    "other", ["news@example.org", "bounces@example.org", "bounces+c12.r345.abc@example.net", "", None]
)
def test_other_addresses_are_not_return_paths(other):
    assert VERP.parse(other) is None


def test_another_key_does_not_accept_our_signatures():
    assert Verp("x" * 32, "bounces", "example.org").parse(VERP.address(1, 2)) is False


def test_settings_choose_local_part_and_domain(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_VERP_LOCAL_PART", "return")
    monkeypatch.setenv("PUBLISHER_VERP_DOMAIN", "Bounce.Example.org")
    verp = verp_of(Settings())

    assert verp is not None and verp.address(1, 2).startswith("return+c1.r2.")
    assert verp.address(1, 2).endswith("@bounce.example.org")


def test_verp_can_be_turned_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_VERP", "false")

    assert verp_of(Settings()) is None


@pytest.fixture
def smtp_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PUBLISHER_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("PUBLISHER_SMTP_PORT", str(smtp_server.port))
    return Settings()


def test_every_message_goes_out_with_its_own_return_path(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path
):
    campaign_id, _ = new_campaign(store, smtp_settings, seed_path, 5)

    run_all(store, smtp_settings, campaign_id)

    verp = verp_of(smtp_settings)
    assert verp is not None
    found = {verp.parse(m.mail_from) for m in smtp_server.messages}
    assert {f[0] for f in found if isinstance(f, tuple)} == {campaign_id}
    assert len({f[1] for f in found if isinstance(f, tuple)}) == 5
    assert campaigns.status(store, campaign_id).state == "done"


def test_without_verp_the_from_address_is_the_return_path(
    store: Store, smtp_settings: Settings, smtp_server: SmtpServer, seed_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PUBLISHER_VERP", "false")
    settings = Settings()
    campaign_id, _ = new_campaign(store, settings, seed_path, 2)

    run_all(store, settings, campaign_id)

    assert {m.mail_from for m in smtp_server.messages} == {"news@example.org"}
