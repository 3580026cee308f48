"""`publisher users`: editor accounts and API tokens from the command line."""

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
    assert publisher("users", "list").stdout.split() == ["editor"]


def test_bad_input_is_named_with_exit_code_2():
    short = publisher("users", "add", "editor", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    unknown = publisher("users", "token", "nobody")
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr
