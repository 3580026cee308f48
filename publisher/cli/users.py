"""`publisher users ...`: editor accounts for the web app (issue 7) and their API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from publisher.cli.common import group, out, services

users_app = group("Editor accounts for the web app, and their API tokens.")

PasswordStdin = typer.Option("--password-stdin", help="Read the password from the first line of stdin.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(ctx: typer.Context, username: str, password_stdin: Annotated[bool, PasswordStdin] = False) -> None:
    """Create an editor who can log in to the web app (the password is asked for, or read from stdin)."""
    from publisher import editors  # lazy: start-up cost

    editors.check_username(username)
    password = _read_password(password_stdin)
    editors.add_user(services(ctx).store, username, password)
    out.print(f"user {username!r} created")


@users_app.command("password")
def users_password(ctx: typer.Context, username: str, password_stdin: Annotated[bool, PasswordStdin] = False) -> None:
    """Set a new password (every session of that user ends)."""
    from publisher import editors  # lazy: start-up cost

    password = _read_password(password_stdin)
    editors.set_password(services(ctx).store, username, password)
    out.print(f"password of {username!r} changed")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List editor editors."""
    from publisher import editors  # lazy: start-up cost

    for editor in editors.list_users(services(ctx).store):
        out.print(editor.username, markup=False)


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
) -> None:
    """Create an API token for the REST API; it is printed once and only its hash is kept."""
    from publisher import editors  # lazy: start-up cost

    token = editors.create_token(services(ctx).store, username, name)
    out.print(token, markup=False)
