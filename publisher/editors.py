"""Editor accounts: argon2 password hashes, login sessions, API tokens and the login rate limit.

Session ids and API tokens are random secrets handed to the client once; the database keeps only their
SHA-256, so a leaked database copy logs nobody in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from publisher.addresses import normalize_address
from publisher.errors import Conflict, Forbidden, NotFound, PublisherError
from publisher.store import Store
from publisher.store.models import ApiToken, LoginAttempt, User, WebSession, utcnow

M = TypeVar("M", WebSession, ApiToken)
SESSION_LIFETIME = timedelta(days=14)
# A username, or one client address, gets this many failed logins per window; then logins wait.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the answer's timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# What an API token may do: read (GET), write (articles, lists, subscribers), send (digests and shares).
SCOPES = ("read", "write", "send")


@dataclass(frozen=True)
class Editor:
    id: int
    username: str
    is_admin: bool = False


@dataclass(frozen=True)
class TokenGrant:
    """Who an API token speaks for and what it may do."""

    editor: Editor
    scopes: frozenset[str]


@dataclass(frozen=True)
class LoginSession:
    token: str  # goes into the cookie; never stored
    csrf_token: str
    editor: Editor


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise PublisherError(
            f"{username!r} is not a valid username: use up to 100 letters, digits and . _ @ -, starting with a letter"
        )
    return username


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PublisherError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def add_user(
    store: Store, username: str, password: str, *, admin: bool | None = None, email: str | None = None
) -> int:
    """Create an editor; the password is stored as an argon2id hash. The first editor is an administrator.

    email: where "Send a test to me" mails them (checked like a subscriber's address).
    """
    check_username(username)
    check_password(password)
    address = normalize_address(email) if email else None
    with store.session() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise PublisherError(f"there is already a user named {username!r}")
        if admin is None:
            admin = session.scalar(select(func.count()).select_from(User)) == 0
        user = User(username=username, password_hash=_hasher.hash(password), is_admin=admin, email=address)
        session.add(user)
        session.flush()
        return user.id


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def email_of(store: Store, user_id: int) -> str | None:
    """The editor's own address (for "Send a test to me"), or None when they have not given one."""
    with store.session() as session:
        return session.scalar(select(User.email).where(User.id == user_id))


def set_email(store: Store, user_id: int, email: str) -> str:
    """Keep the editor's own address (checked; raises InvalidAddress naming the problem); returns it normalized."""
    address = normalize_address(email)
    with store.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("no such user")
        user.email = address
    return address


def set_password(store: Store, username: str, password: str) -> None:
    """Change a password and end every session and API token of that user: old credentials stop working."""
    check_password(password)
    with store.session() as session:
        user = _user(session, username)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def revoke_tokens(store: Store, username: str) -> int:
    """Revoke every API token of a user; returns how many there were."""
    with store.session() as session:
        user = _user(session, username)
        gone = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        return cast(CursorResult[Any], gone).rowcount


def remove_user(store: Store, username: str) -> None:
    """Remove an editor with their sessions and tokens; the last administrator cannot be removed."""
    with store.session() as session:
        user = _user(session, username)
        _keep_an_admin(session, user)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        session.delete(user)


def set_admin(store: Store, username: str, admin: bool) -> None:
    """Make an editor an administrator, or an editor again (the last administrator stays one)."""
    with store.session() as session:
        user = _user(session, username)
        if not admin:
            _keep_an_admin(session, user)
        user.is_admin = admin


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse a change that would leave nobody able to manage editors."""
    if not user.is_admin:
        return
    admins = session.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True)))
    if (admins or 0) <= 1:
        raise Conflict(f"{user.username!r} is the last administrator; make another one first (`users admin NAME`)")


def require_admin(editor: Editor) -> None:
    """Refuse an action that only an administrator may take."""
    if not editor.is_admin:
        raise Forbidden("only an administrator can manage other editors")


@dataclass(frozen=True)
class UserSummary:
    """An editor as the people lists show them: role and how many API tokens they hold."""

    id: int
    username: str
    is_admin: bool
    tokens: int
    created_at: datetime


def user_summaries(store: Store) -> list[UserSummary]:
    """Every editor by username, with their API token count."""
    with store.session() as session:
        counts = (
            select(ApiToken.user_id, func.count().label("n")).group_by(ApiToken.user_id).subquery("token_counts")
        )
        rows = session.execute(
            select(User, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.user_id == User.id)
            .order_by(User.username)
        )
        return [UserSummary(u.id, u.username, u.is_admin, int(n), u.created_at) for u, n in rows]


def list_users(store: Store) -> list[Editor]:
    with store.session() as session:
        return [Editor(u.id, u.username, u.is_admin) for u in session.scalars(select(User).order_by(User.username))]


class LoginThrottled(PublisherError):
    """Too many failed logins for this username or address; try again later."""


def _recent_failures(store: Store, username: str, address: str) -> tuple[int, int]:
    since = utcnow() - FAILURE_WINDOW
    with store.session() as session:
        by_user = session.scalar(select(func.count()).where(LoginAttempt.username == username, LoginAttempt.at > since))
        by_address = session.scalar(
            select(func.count()).where(LoginAttempt.address == address, LoginAttempt.at > since)
        )
    return by_user or 0, by_address or 0


def login(store: Store, username: str, password: str, address: str) -> LoginSession | None:
    """A new session when the password is right; None when it is wrong; LoginThrottled after too many failures.

    The limit is checked before the password, so a guesser learns nothing once throttled.
    """
    username = username.strip()[:100]
    address = address[:100]
    by_user, by_address = _recent_failures(store, username, address)
    if by_user >= MAX_FAILURES or by_address >= MAX_FAILURES * 4:
        raise LoginThrottled(
            f"too many failed logins; try again in {int(FAILURE_WINDOW.total_seconds() // 60)} minutes"
        )
    with store.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            ok = user is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            # Old failures count for nothing; dropping them here keeps the table small under a guessing attack.
            session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - FAILURE_WINDOW))
            session.add(LoginAttempt(username=username, address=address))
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
        session.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(
            WebSession(
                token_hash=_digest(token), user_id=user.id, csrf_token=csrf, expires_at=utcnow() + SESSION_LIFETIME
            )
        )
        return LoginSession(token=token, csrf_token=csrf, editor=Editor(user.id, user.username, user.is_admin))


def session_for(store: Store, token: str) -> tuple[Editor, str] | None:
    """The editor and CSRF token of a live session, or None."""
    with store.session() as session:
        web_session, editor = _holder(session, WebSession, token)
        if web_session is None or editor is None:
            return None
        if web_session.expires_at < utcnow():
            session.delete(web_session)
            return None
        return editor, web_session.csrf_token


def logout(store: Store, token: str) -> None:
    with store.session() as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes asked for, each one known; at least one."""
    chosen = frozenset(s.strip().lower() for s in scopes if s.strip())
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        raise PublisherError(f"unknown API token scope {unknown[0]!r}; choose from {', '.join(SCOPES)}")
    if not chosen:
        raise PublisherError(f"an API token needs at least one scope: {', '.join(SCOPES)}")
    return chosen


def create_token(store: Store, username: str, name: str, scopes: Iterable[str] = SCOPES) -> str:
    """A new API token for this user with these scopes; it is returned once and only its hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise PublisherError("an API token needs a name of 1 to 100 characters")
    chosen = check_scopes(scopes)
    token = "pub_" + secrets.token_urlsafe(32)
    with store.session() as session:
        user = _user(session, username)
        stored = ",".join(s for s in SCOPES if s in chosen)
        session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token), scopes=stored))
    return token


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    scopes: tuple[str, ...] = SCOPES


def list_tokens(store: Store, user_id: int) -> list[TokenInfo]:
    with store.session() as session:
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
        return [TokenInfo(t.id, t.name, t.created_at, t.last_used_at, _scopes(t.scopes)) for t in rows]


def revoke_token(store: Store, user_id: int, token_id: int) -> None:
    with store.session() as session:
        gone = session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
        if not cast(CursorResult[Any], gone).rowcount:
            raise NotFound(f"no API token with id {token_id}")


def grant_for_token(store: Store, token: str) -> TokenGrant | None:
    """Who an API token speaks for and its scopes, or None for an unknown (or revoked) token."""
    with store.session() as session:
        api_token, editor = _holder(session, ApiToken, token)
        if api_token is None or editor is None:
            return None
        if not store.read_only:  # a read-only data directory still serves reads
            api_token.last_used_at = utcnow()
        return TokenGrant(editor, frozenset(_scopes(api_token.scopes)))


def editor_for_token(store: Store, token: str) -> Editor | None:
    """The editor an API token belongs to, or None for an unknown token."""
    grant = grant_for_token(store, token)
    return grant.editor if grant else None


def _holder(session: Session, model: type[M], token: str) -> tuple[M | None, Editor | None]:
    """The session or API token row a secret names (by its hash), and the editor it belongs to."""
    if not token:
        return None, None
    row = session.execute(
        select(model, User.username, User.is_admin)
        .join(User, User.id == model.user_id)
        .where(model.token_hash == _digest(token))
    ).first()
    return (None, None) if row is None else (row[0], Editor(row[0].user_id, row[1], row[2]))


def _scopes(stored: str) -> tuple[str, ...]:
    return tuple(s for s in stored.split(",") if s in SCOPES)
