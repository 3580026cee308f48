"""`publisher users ...`: editor accounts for the web app (issue 7) and their API tokens."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from publisher.cli.common import Format, FormatOption, group, out, services
from publisher.errors import NotFound

users_app = group("Editor accounts for the web app, and their API tokens.")

PasswordStdin = typer.Option("--password-stdin", help="Read the password from the first line of stdin.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: str,
    password_stdin: Annotated[bool, PasswordStdin] = False,
    admin: Annotated[
        bool,
        typer.Option(
            "--admin",
            help="Make them an administrator, who also manages other editors (the first user always is one).",
        ),
    ] = False,
    email: Annotated[
        str | None, typer.Option("--email", help="Their own address: where the editor's “Send a test to me” goes.")
    ] = None,
) -> None:
    """Create an editor who can log in to the web app (the password is asked for, or read from stdin)."""
    from publisher import editors  # lazy: start-up cost

    editors.check_username(username)
    if email:  # refused before the password is asked for
        from publisher.addresses import normalize_address

        email = normalize_address(email)
    password = _read_password(password_stdin)
    editors.add_user(services(ctx).store, username, password, admin=True if admin else None, email=email)
    role = next(u.is_admin for u in editors.list_users(services(ctx).store) if u.username == username)
    out.print(f"user {username!r} created" + (", an administrator" if role else ""), markup=False)


@users_app.command("password")
def users_password(ctx: typer.Context, username: str, password_stdin: Annotated[bool, PasswordStdin] = False) -> None:
    """Set a new password (every session and API token of that user ends)."""
    from publisher import editors  # lazy: start-up cost

    password = _read_password(password_stdin)
    editors.set_password(services(ctx).store, username, password)
    out.print(f"password of {username!r} changed; their sessions and API tokens are revoked", markup=False)


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: Annotated[Format, FormatOption] = Format.text) -> None:
    """List editors: administrator or not, and how many API tokens each holds."""
    from publisher import editors  # lazy: start-up cost

    people = editors.user_summaries(services(ctx).store)
    if fmt is Format.json:
        rows = [{"username": u.username, "admin": u.is_admin, "tokens": u.tokens} for u in people]
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    width = max((len(u.username) for u in people), default=0)
    for user in people:
        role = "admin" if user.is_admin else "editor"
        tokens = f"{user.tokens} token{'' if user.tokens == 1 else 's'}"
        out.print(f"{user.username:<{width}}  {role:<6}  {tokens}", markup=False)


ScopeOption = typer.Option(
    "--scope",
    help="What the token may do: read (GET), write (articles, lists, subscribers), send (digests, shares, "
    "campaign control). Repeat for more than one; default: all three.",
)


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    scope: Annotated[list[str] | None, ScopeOption] = None,
) -> None:
    """Create an API token for the REST API; it is printed once and only its hash is kept."""
    from publisher import editors  # lazy: start-up cost

    token = editors.create_token(services(ctx).store, username, name, scope or editors.SCOPES)
    out.print(token, markup=False)


@users_app.command("revoke-tokens")
def users_revoke_tokens(ctx: typer.Context, username: str) -> None:
    """Revoke every API token of an editor (their logins stay; `users password` ends those too)."""
    from publisher import editors  # lazy: start-up cost

    count = editors.revoke_tokens(services(ctx).store, username)
    out.print(f"{count} API token{'' if count == 1 else 's'} of {username!r} revoked", markup=False)


@users_app.command("admin")
def users_admin(
    ctx: typer.Context,
    username: str,
    revoke: Annotated[bool, typer.Option("--revoke", help="Make them an editor again instead.")] = False,
) -> None:
    """Make an editor an administrator (who manages other editors), or --revoke that."""
    from publisher import editors  # lazy: start-up cost

    editors.set_admin(services(ctx).store, username, not revoke)
    out.print(f"{username!r} is {'an editor' if revoke else 'an administrator'} now", markup=False)


@users_app.command("remove")
def users_remove(
    ctx: typer.Context,
    username: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an editor with their sessions and API tokens (the last administrator cannot be removed)."""
    from publisher import editors  # lazy: start-up cost

    store = services(ctx).store
    if not any(u.username == username for u in editors.list_users(store)):
        raise NotFound(f"no user named {username!r}")
    if not yes:
        typer.confirm(f"Remove {username!r}, their sessions and API tokens?", abort=True, err=True)
    editors.remove_user(store, username)
    out.print(f"user {username!r} removed", markup=False)
