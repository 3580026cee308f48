"""`publisher sequence set|list|remove|enable|disable`: a list's welcome mail and the mails after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import Format, FormatOption, group, out, services
from publisher.errors import PublisherError

sequence_app = group("A list's welcome mail (step 0) and the mails that follow it, N days after a reader joins.")

ListArgument = typer.Argument(help="The list's name.")
StepOption = typer.Option("--step", help="The step's number: 0 is the welcome mail.")


@sequence_app.command("set")
def sequence_set(
    ctx: typer.Context,
    list_name: Annotated[str, ListArgument],
    body_file: Annotated[Path, typer.Option("--body-file", help="The mail's text, in Markdown (UTF-8).")],
    subject: Annotated[str, typer.Option("--subject", help="The mail's subject.")],
    step: Annotated[int, StepOption] = 0,
    after_days: Annotated[int, typer.Option("--after-days", help="Days after the reader joined.")] = 0,
    disabled: Annotated[bool, typer.Option("--disabled", help="Store it without mailing anyone yet.")] = False,
) -> None:
    """Create or replace a step. It mails readers who join from now on (never those already on the list)."""
    from publisher.automation import sequences  # lazy: start-up cost

    body = _read_body(body_file)
    s = services(ctx)
    shown = sequences.set_step(
        s.store, s.settings, list_name, step, after_days, subject, body, enabled=False if disabled else None
    )
    state = "enabled" if shown.enabled else "disabled"
    out.print(
        f"step {shown.position} of {list_name!r} saved ({shown.label.lower()}, {state}), campaign {shown.campaign_id}"
    )


@sequence_app.command("list")
def sequence_list(
    ctx: typer.Context,
    list_name: Annotated[str, ListArgument],
    format: Annotated[Format, FormatOption] = Format.text,
) -> None:
    """The list's steps in order, with how many mails each has sent."""
    from publisher.automation import sequences

    steps = sequences.list_steps(services(ctx).store, list_name)
    if format is Format.json:
        out.print(json.dumps([step.to_dict() for step in steps], indent=2), markup=False)
        return
    if not steps:
        out.print(f"list {list_name!r} has no welcome mail or sequence", markup=False)
        return
    for step in steps:
        state = "" if step.enabled else " (disabled)"
        counts = ", ".join(f"{n} {state_}" for state_, n in step.counts.items() if n) or "nothing sent yet"
        out.print(f"{step.position}  after {step.delay_days} d  {step.subject}{state}  [{counts}]", markup=False)


@sequence_app.command("remove")
def sequence_remove(
    ctx: typer.Context, list_name: Annotated[str, ListArgument], step: Annotated[int, StepOption]
) -> None:
    """Remove a step: nobody is mailed it any more (mails already queued go out)."""
    from publisher.automation import sequences

    sequences.remove_step(services(ctx).store, list_name, step)
    out.print(f"step {step} of {list_name!r} removed", markup=False)


@sequence_app.command("enable")
def sequence_enable(
    ctx: typer.Context, list_name: Annotated[str, ListArgument], step: Annotated[int, StepOption]
) -> None:
    """Mail the step again to readers it is due to (those who joined while it was disabled included)."""
    from publisher.automation import sequences

    sequences.set_enabled(services(ctx), list_name, step, True)
    out.print(f"step {step} of {list_name!r} enabled", markup=False)


@sequence_app.command("disable")
def sequence_disable(
    ctx: typer.Context, list_name: Annotated[str, ListArgument], step: Annotated[int, StepOption]
) -> None:
    """Stop mailing the step; its queued mails wait until it is enabled again."""
    from publisher.automation import sequences

    sequences.set_enabled(services(ctx), list_name, step, False)
    out.print(f"step {step} of {list_name!r} disabled", markup=False)


def _read_body(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PublisherError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PublisherError(f"{path}: is a directory, not a Markdown file") from None
    except UnicodeDecodeError:
        raise PublisherError(f"{path}: not UTF-8 text") from None
