"""Accounts as URLs: parsed into networks and secrets; secrets never shown."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from publisher.accounts import load_accounts, parse_account
from publisher.channels import open_channel, share_channels
from publisher.config import Settings
from publisher.errors import ConfigError


def test_each_network_url_is_parsed():
    x = parse_account("x:work", "x://ck:cs%2Fsecret@at:as-secret")
    assert x.network == "x" and x.secret("consumer_secret") == "cs/secret" and x.secret("access_token") == "at"
    masto = parse_account("mastodon:fosstodon", "mastodon://tok@fosstodon.org?max_characters=1000")
    assert (masto.base_url, masto.secret("token"), masto.options["max_characters"]) == (
        "https://fosstodon.org",
        "tok",
        "1000",
    )
    sky = parse_account("bluesky", "bluesky://me.bsky.social:app-pass-word-xxxx@")
    assert (sky.base_url, sky.user, sky.secret("password")) == (
        "https://bsky.social",
        "me.bsky.social",
        "app-pass-word-xxxx",
    )
    hook = parse_account("webhook:slack", "webhook+slack://hooks.slack.com/services/T/B/XYZ?secret=whsec_abc")
    assert hook.variant == "slack" and hook.secret("url") == "https://hooks.slack.com/services/T/B/XYZ"
    assert hook.secret("signing_secret") == "whsec_abc"


@pytest.mark.parametrize(
    ("name", "url", "message"),
    [
        ("x", "x://only-key@", "an X URL is x://CONSUMER_KEY"),
        ("mastodon", "mastodon://instance.example", "a Mastodon URL is"),
        ("bluesky", "bluesky://handle@pds", "a Bluesky URL is"),
        ("myspace", "myspace://a@b", "unknown network 'myspace'"),
        ("x", "mastodon://t@h", "must be named 'mastodon' or mastodon:<label>"),
        ("webhook", "webhook+teams://h/p", "webhook variant must be one of"),
        ("x", "no-scheme", "not a URL"),
    ],
)
def test_bad_account_urls_are_refused_with_a_clear_message(name, url, message):
    with pytest.raises(ConfigError, match=message):
        parse_account(name, url)


def test_secrets_never_appear_in_repr_errors_or_logs(caplog):
    account = parse_account("x", "x://CKEY:CSECRET@ATOKEN:ASECRET")
    shown = repr(account) + str(account) + repr(Settings(accounts=SecretStr('{"x": "x://CKEY:CSECRET@AT:AS"}')))
    assert not any(s in shown for s in ("CSECRET", "ASECRET", "ATOKEN"))
    with pytest.raises(ConfigError) as caught:
        load_accounts(SecretStr('{"x": "x://CKEY:CSECRET@ATOKEN:ASECRET", bad'), None)
    assert "CSECRET" not in str(caught.value)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("account %s", account)
    assert "CSECRET" not in caplog.text


def test_accounts_come_from_env_json_and_a_toml_file(monkeypatch, tmp_path):
    path = tmp_path / "accounts.toml"
    path.write_text('[accounts]\n"mastodon:fosstodon" = "mastodon://tok@fosstodon.org"\nbluesky = "bluesky://a:b@"\n')
    monkeypatch.setenv("PUBLISHER_ACCOUNTS_FILE", str(path))
    monkeypatch.setenv("PUBLISHER_ACCOUNTS", '{"x:work": "x://a:b@c:d", "bluesky": "bluesky://env:pw@"}')
    settings = Settings()
    assert share_channels(settings) == ["file", "mastodon:fosstodon", "bluesky", "x:work"]
    channel = open_channel("bluesky", settings)
    assert channel.account.user == "env"  # the environment wins over the file
    channel.close()
    with pytest.raises(ConfigError, match="unknown channel 'x:home'; known: file, smtp, mastodon:fosstodon"):
        open_channel("x:home", settings)
