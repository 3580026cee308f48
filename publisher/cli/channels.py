"""`publisher channels list|rekey`: the accounts added in the editor (issue 14), and their encryption key."""

from __future__ import annotations

from typing import Annotated

import typer

from publisher.cli.common import OldKeyOption, group, out, services

channels_app = group("Social accounts added in the editor (stored encrypted) and their key.")


@channels_app.command("list")
def channels_list(ctx: typer.Context) -> None:
    """The accounts added on the editor's Channels page: name, network, where they post (never a secret)."""
    from publisher.channels import stored  # lazy: start-up cost

    for account in stored.listed(services(ctx).store):
        hint = f", ends in …{account.hint}" if account.hint else ""
        out.print(f"{account.name}\t{account.network}\t{account.posts_to}\tsaved{hint}", markup=False)


@channels_app.command("rekey")
def channels_rekey(
    ctx: typer.Context,
    old_key: Annotated[str, OldKeyOption],
) -> None:
    """Re-encrypt the stored accounts with the current PUBLISHER_SECRET_KEY, after changing it.

    All or nothing: if the old key opens any account neither it nor the new key can, nothing changes.
    """
    from publisher.channels import stored  # lazy: start-up cost

    count = stored.rekey(services(ctx).store, old_key, services(ctx).settings)
    out.print(f"{count} account(s) re-encrypted with the current PUBLISHER_SECRET_KEY", markup=False)
