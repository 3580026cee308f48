"""Accounts stored encrypted (issue 14): AES-GCM under HKDF(PUBLISHER_SECRET_KEY), bound to the account's name;
a wrong key is refused by name, stored and configured accounts are one list, and rekey re-encrypts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from publisher import runtime
from publisher.channels import social_accounts, stored
from publisher.channels.vault import Vault, WrongKey, derive_key
from publisher.config import Settings
from publisher.errors import ConfigError, Conflict, NotFound
from publisher.store import Store
from publisher.store.models import ChannelAccountRow
from tests.support.cli import run_cli

URL = "mastodon://token-abcdefgh-1234@social.example"


def test_a_sealed_value_opens_with_the_same_key_and_name():
    vault = Vault("key-one")

    sealed = vault.seal("mastodon", "secret text ✓")

    assert sealed.startswith("v1:") and "secret" not in sealed
    assert vault.open("mastodon", sealed) == "secret text ✓"
    assert vault.seal("mastodon", "secret text ✓") != sealed  # a fresh nonce every time


def test_a_wrong_key_is_refused_naming_the_account_and_the_remedy():
    sealed = Vault("key-one").seal("mastodon", "secret")

    with pytest.raises(WrongKey, match=r"stored account 'mastodon' cannot be decrypted .* rekey --old-key"):
        Vault("key-two").open("mastodon", sealed)


def test_a_value_copied_onto_another_account_does_not_open():
    vault = Vault("key-one")

    with pytest.raises(WrongKey):
        vault.open("x", vault.seal("mastodon", "secret"))


@pytest.mark.parametrize("garbage", ["", "v1:", "v1:!!!", "v2:abcd", "v1:" + "A" * 40])
def test_a_damaged_value_is_a_clear_error_never_an_exception_of_its_own(garbage: str):
    with pytest.raises(WrongKey):
        Vault("key-one").open("mastodon", garbage)


def test_the_key_is_derived_never_the_secret_itself():
    assert derive_key("key-one") != derive_key("key-two")
    assert len(derive_key("key-one")) == 32 and b"key-one" not in derive_key("key-one")
    assert "key-one" not in repr(Vault("key-one"))


def test_nothing_is_stored_without_a_secret_key(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PUBLISHER_SECRET_KEY")

    with pytest.raises(ConfigError, match="accounts cannot be stored: PUBLISHER_SECRET_KEY is not set"):
        stored.add(store, Settings(), "mastodon", URL)
    with store.session() as session:
        assert session.scalars(select(ChannelAccountRow)).all() == []


def test_stored_and_configured_accounts_are_one_list(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"mastodon:env": "mastodon://env-token@env.example"}))
    settings = Settings()
    services = runtime.build(settings, store=store)
    stored.add(store, settings, "mastodon:db", URL)

    accounts = social_accounts(settings)

    assert sorted(accounts) == ["mastodon:db", "mastodon:env"]
    assert accounts["mastodon:db"].secret("token") == "token-abcdefgh-1234"
    services.close_dispatcher()


def test_a_name_in_both_places_is_a_clear_error(store: Store, monkeypatch: pytest.MonkeyPatch):
    runtime.build(Settings(), store=store)
    stored.add(store, Settings(), "mastodon", URL)
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", json.dumps({"mastodon": "mastodon://env-token@env.example"}))

    with pytest.raises(ConfigError, match=r"account 'mastodon' is configured twice: in PUBLISHER_ACCOUNTS"):
        social_accounts(Settings())


def test_adding_a_taken_name_or_removing_an_unknown_one_is_refused(store: Store, settings: Settings):
    stored.add(store, settings, "mastodon", URL)

    with pytest.raises(Conflict, match="was added already"):
        stored.add(store, settings, "mastodon", URL)
    with pytest.raises(NotFound, match="no account called 'x:nope'"):
        stored.remove(store, "x:nope")


def test_a_bad_url_is_refused_by_its_network_without_echoing_it(store: Store, settings: Settings):
    with pytest.raises(ConfigError) as refused:
        stored.add(store, settings, "x", "x://only-one-secret-9999@")

    assert "only-one-secret-9999" not in str(refused.value)


def test_after_the_key_changed_the_accounts_are_refused_until_rekeyed(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    runtime.build(Settings(), store=store)
    stored.add(store, Settings(), "mastodon", URL)
    monkeypatch.setenv("PUBLISHER_SECRET_KEY", "the-new-key")

    with pytest.raises(WrongKey):
        social_accounts(Settings())
    with pytest.raises(WrongKey):
        stored.rekey(store, "not-the-old-key", Settings())  # all or nothing: nothing changed
    count = stored.rekey(store, "test-secret-key", Settings())
    again = stored.rekey(store, "test-secret-key", Settings())  # already rekeyed: harmless

    assert (count, again) == (1, 1)
    assert social_accounts(Settings())["mastodon"].secret("token") == "token-abcdefgh-1234"
    assert "token-abcdefgh-1234" not in caplog.text


def test_the_rekey_command_re_encrypts_with_the_current_key(tmp_path: Path, settings: Settings):
    store = Store(settings.resolved_database_url)
    stored.add(store, settings, "mastodon", URL)
    env = {"PUBLISHER_SECRET_KEY": "the-new-key", "PUBLISHER_OLD_SECRET_KEY": "test-secret-key"}

    said = run_cli(env, "channels", "rekey")
    listed = run_cli(env, "channels", "list")

    assert said == "1 account(s) re-encrypted with the current PUBLISHER_SECRET_KEY"
    assert listed.split() == ["mastodon", "mastodon", "social.example", "saved,", "ends", "in", "…1234"]
    assert Vault("the-new-key").open("mastodon", _sealed(store)) == URL
    store.dispose()


def _sealed(store: Store) -> str:
    with store.session() as session:
        return session.scalars(select(ChannelAccountRow.sealed)).one()


def test_accounts_are_added_listed_opened_and_removed_on_sqlite_and_postgresql(any_store: Store, settings: Settings):
    stored.add(any_store, settings, "mastodon:pg", URL, added_by="editor")

    [listed] = stored.listed(any_store)
    opened = stored.stored_accounts(any_store, settings)
    stored.remove(any_store, "mastodon:pg")

    assert (listed.name, listed.network, listed.posts_to, listed.hint) == (
        "mastodon:pg",
        "mastodon",
        "social.example",
        "1234",
    )
    assert opened["mastodon:pg"].secret("token") == "token-abcdefgh-1234"
    assert stored.listed(any_store) == []
