"""`publisher doctor`: the operator's configuration checked, one line per check (publisher.doctor)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from publisher.cli.common import Format, FormatOption, commands, out

top = commands()

_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red"}


@top.command()
def doctor(
    ctx: typer.Context,
    format: Annotated[Format, FormatOption] = Format.text,  # noqa: A002 - the option's name
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds for each network check.")] = 3.0,
) -> None:
    """Check the configuration: database, broker, workers, SMTP, DKIM, base URL, media, accounts.

    Sends no mail and posts nothing; exit 0 when nothing is an error (warnings included), 1 otherwise.
    """
    from publisher.config import Settings  # lazy: start-up cost
    from publisher.doctor import exit_code, run_checks  # lazy: start-up cost

    # Settings only, not the process's Services: opening the store would migrate the database it checks.
    findings = run_checks(Settings(), timeout=timeout)
    if format is Format.json:
        out.print(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2), markup=False)
    else:
        width = max(len(f.check) for f in findings)
        for f in findings:
            where = f" [dim]({escape(f.where)})[/]" if f.where else ""
            verdict = f"[{_STYLE[f.verdict]}]{f.verdict:<7}[/]"
            out.print(f"{verdict} {escape(f.check):<{width}}  {escape(f.message)}{where}", markup=True)
    raise typer.Exit(exit_code(findings))
