from datetime import timedelta

import pytest
from sqlalchemy import select, update

from publisher import editors
from publisher.errors import PublisherError
from publisher.store import Store
from publisher.store.models import ApiToken, LoginAttempt, User, WebSession, utcnow


def test_passwords_are_stored_as_argon2id_hashes(store: Store):
    editors.add_user(store, "ed", "a long password")
    with store.session() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and "a long password" not in stored


def test_bad_usernames_and_short_passwords_are_refused(store: Store):
    with pytest.raises(PublisherError, match="not a valid username"):
        editors.add_user(store, "bad name", "a long password")
    with pytest.raises(PublisherError, match="at least 10 characters"):
        editors.add_user(store, "ed", "short")
    editors.add_user(store, "ed", "a long password")
    with pytest.raises(PublisherError, match="already a user named 'ed'"):
        editors.add_user(store, "ed", "another password")


def test_a_session_token_is_kept_only_as_its_hash(store: Store):
    editors.add_user(store, "ed", "a long password")
    session = editors.login(store, "ed", "a long password", "127.0.0.1")
    with store.session() as db:
        hashes = db.scalars(select(WebSession.token_hash)).all()
    assert session.token not in hashes and len(hashes) == 1
    assert editors.session_for(store, session.token) == (session.editor, session.csrf_token)


def test_an_expired_session_is_gone(store: Store):
    editors.add_user(store, "ed", "a long password")
    session = editors.login(store, "ed", "a long password", "127.0.0.1")
    with store.session() as db:
        db.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert editors.session_for(store, session.token) is None


def test_failures_expire_after_the_window(store: Store):
    editors.add_user(store, "ed", "a long password")
    for _ in range(editors.MAX_FAILURES):
        assert editors.login(store, "ed", "wrong", "10.0.0.1") is None
    with pytest.raises(editors.LoginThrottled):
        editors.login(store, "ed", "a long password", "10.0.0.2")
    with store.session() as db:
        db.execute(update(LoginAttempt).values(at=utcnow() - editors.FAILURE_WINDOW - timedelta(seconds=1)))
    assert editors.login(store, "ed", "a long password", "10.0.0.2") is not None


def test_a_changed_password_ends_sessions(store: Store):
    editors.add_user(store, "ed", "a long password")
    session = editors.login(store, "ed", "a long password", "127.0.0.1")
    editors.set_password(store, "ed", "a new long password")
    assert editors.session_for(store, session.token) is None
    assert editors.login(store, "ed", "a long password", "127.0.0.1") is None


def test_api_tokens_are_hashed_and_revocable(store: Store):
    user_id = editors.add_user(store, "ed", "a long password")
    token = editors.create_token(store, "ed", "ci")
    with store.session() as db:
        assert token not in db.scalars(select(ApiToken.token_hash)).all()
    assert editors.editor_for_token(store, token).username == "ed"
    [info] = editors.list_tokens(store, user_id)
    assert info.last_used_at is not None
    editors.revoke_token(store, user_id, info.id)
    assert editors.editor_for_token(store, token) is None


# --- roles and token scopes (issue 18 item 12) ---


def test_a_password_change_revokes_every_api_token_of_that_user(store: Store):
    editors.add_user(store, "ed", "a long password")
    token = editors.create_token(store, "ed", "laptop")
    assert editors.grant_for_token(store, token) is not None
    editors.set_password(store, "ed", "a new long password")
    assert editors.grant_for_token(store, token) is None


def test_a_token_carries_only_the_scopes_it_was_given(store: Store):
    editors.add_user(store, "ed", "a long password")
    reader = editors.create_token(store, "ed", "dashboard", ["read"])
    assert editors.grant_for_token(store, reader).scopes == {"read"}
    full = editors.create_token(store, "ed", "ci")
    assert editors.grant_for_token(store, full).scopes == {"read", "write", "send"}
    with pytest.raises(PublisherError, match="unknown API token scope 'admin'"):
        editors.create_token(store, "ed", "x", ["read", "admin"])
    with pytest.raises(PublisherError, match="at least one scope"):
        editors.create_token(store, "ed", "x", [])


def test_the_first_editor_is_an_administrator_and_later_ones_are_not_unless_made_so(store: Store):
    editors.add_user(store, "boss", "a long password")
    editors.add_user(store, "ed", "a long password")
    editors.add_user(store, "deputy", "a long password", admin=True)
    assert {e.username: e.is_admin for e in editors.list_users(store)} == {"boss": True, "ed": False, "deputy": True}
    with pytest.raises(editors.Forbidden, match="only an administrator"):
        editors.require_admin(next(e for e in editors.list_users(store) if e.username == "ed"))


def test_an_editor_can_be_cut_off_and_removed_but_not_the_last_administrator(store: Store):
    editors.add_user(store, "boss", "a long password")
    editors.add_user(store, "ed", "a long password")
    tokens = [editors.create_token(store, "ed", f"t{i}") for i in range(3)]
    session = editors.login(store, "ed", "a long password", "127.0.0.1")
    assert editors.revoke_tokens(store, "ed") == 3
    assert all(editors.grant_for_token(store, t) is None for t in tokens)
    editors.remove_user(store, "ed")
    assert editors.session_for(store, session.token) is None
    assert [e.username for e in editors.list_users(store)] == ["boss"]
    with pytest.raises(PublisherError, match="last administrator"):
        editors.remove_user(store, "boss")


def test_user_summaries_count_each_editors_tokens(store: Store):
    editors.add_user(store, "boss", "a long password")
    editors.add_user(store, "ed", "a long password")
    for i in range(2):
        editors.create_token(store, "ed", f"t{i}")
    summary = {u.username: (u.is_admin, u.tokens) for u in editors.user_summaries(store)}
    assert summary == {"boss": (True, 0), "ed": (False, 2)}


def test_an_editor_can_be_made_an_administrator_and_back_but_someone_stays_one(store: Store):
    editors.add_user(store, "boss", "a long password")
    editors.add_user(store, "ed", "a long password")
    editors.set_admin(store, "ed", True)
    editors.set_admin(store, "boss", False)
    assert {e.username: e.is_admin for e in editors.list_users(store)} == {"boss": False, "ed": True}
    with pytest.raises(editors.Conflict, match="last administrator"):
        editors.set_admin(store, "ed", False)
