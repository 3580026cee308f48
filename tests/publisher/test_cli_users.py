"""`publisher users`: editor accounts and API tokens from the command line."""

import json
import os
import subprocess
import sys

from publisher import editors
from publisher.config import Settings
from publisher.store import Store


def publisher(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )


def test_add_a_user_then_log_in_and_get_a_token(settings: Settings):
    added = publisher("users", "add", "editor", "--password-stdin", stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    assert "correct horse battery" not in added.stdout + added.stderr

    token = publisher("users", "token", "editor", "--name", "ci")
    assert token.returncode == 0, token.stderr
    store = Store(settings.resolved_database_url)
    try:
        assert editors.login(store, "editor", "correct horse battery", "127.0.0.1") is not None
        assert editors.editor_for_token(store, token.stdout.strip()).username == "editor"
    finally:
        store.dispose()
    assert publisher("users", "list").stdout.split() == ["editor", "admin", "1", "token"]


def test_bad_input_is_named_with_exit_code_2():
    short = publisher("users", "add", "editor", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    unknown = publisher("users", "token", "nobody")
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr


def _store(settings: Settings) -> Store:
    return Store(settings.resolved_database_url)


def test_admins_scoped_tokens_and_the_list(settings: Settings):
    assert publisher("users", "add", "boss", "--password-stdin", stdin="correct horse battery\n").stdout.strip() == (
        "user 'boss' created, an administrator"  # the first user is one
    )
    assert publisher("users", "add", "ed", "--password-stdin", stdin="correct horse battery\n").returncode == 0
    second = publisher("users", "add", "vice", "--admin", "--password-stdin", stdin="correct horse battery\n")
    assert second.returncode == 0 and "an administrator" in second.stdout

    narrow = publisher("users", "token", "ed", "--name", "reader", "--scope", "read", "--scope", "send")
    full = publisher("users", "token", "ed", "--name", "all")
    assert narrow.returncode == 0 and full.returncode == 0, narrow.stderr + full.stderr
    store = _store(settings)
    try:
        assert editors.grant_for_token(store, narrow.stdout.strip()).scopes == {"read", "send"}
        assert editors.grant_for_token(store, full.stdout.strip()).scopes == set(editors.SCOPES)
    finally:
        store.dispose()

    listed = publisher("users", "list")
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["boss", "admin", "0", "tokens"],
        ["ed", "editor", "2", "tokens"],
        ["vice", "admin", "0", "tokens"],
    ]
    as_json = json.loads(publisher("users", "list", "--format", "json").stdout)
    assert as_json[1] == {"username": "ed", "admin": False, "tokens": 2}

    bad = publisher("users", "token", "ed", "--scope", "delete")
    assert bad.returncode == 2 and "unknown API token scope 'delete'" in bad.stderr
    assert "default: all three" in " ".join(publisher("users", "token", "--help").stdout.split())


def test_revoke_tokens_and_remove(settings: Settings):
    for name in ("boss", "ed"):
        assert publisher("users", "add", name, "--password-stdin", stdin="correct horse battery\n").returncode == 0
    tokens = [publisher("users", "token", "ed", "--name", f"t{i}").stdout.strip() for i in range(2)]

    revoked = publisher("users", "revoke-tokens", "ed")
    assert revoked.returncode == 0 and revoked.stdout.strip() == "2 API tokens of 'ed' revoked"
    store = _store(settings)
    try:
        assert [editors.grant_for_token(store, t) for t in tokens] == [None, None]
    finally:
        store.dispose()

    declined = publisher("users", "remove", "ed", stdin="n\n")
    assert declined.returncode == 1 and "Remove 'ed'" in declined.stderr
    assert [line.split()[0] for line in publisher("users", "list").stdout.splitlines()] == ["boss", "ed"]

    assert publisher("users", "remove", "ed", stdin="y\n").returncode == 0
    last = publisher("users", "remove", "boss", "--yes")
    assert last.returncode == 2 and "last administrator" in last.stderr
    unknown = publisher("users", "remove", "nobody", "--yes")
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr
    assert [line.split()[0] for line in publisher("users", "list").stdout.splitlines()] == ["boss"]


def test_an_editor_added_with_an_email_has_it_for_tests_to_themself(settings: Settings):
    added = publisher(
        "users", "add", "editor", "--email", "Editor@Example.ORG", "--password-stdin", stdin="correct horse battery\n"
    )
    assert added.returncode == 0, added.stderr
    store = _store(settings)
    try:
        [editor] = editors.list_users(store)
        assert editors.email_of(store, editor.id) == "Editor@example.org"
    finally:
        store.dispose()


def test_a_bad_email_is_refused_before_the_password_is_read():
    added = publisher("users", "add", "editor", "--email", "not-an-address", "--password-stdin", stdin="x\n")
    assert added.returncode == 2 and "'not-an-address' is not a valid email address" in added.stderr
