"""What every command group shares: the consoles, output formats, the process's Services and the one
error handler.

Start-up time (issue 10): `publisher --help` imports this package and every command module, so modules
here import only Typer and Rich at the top. A command imports the services it calls inside its body;
those imports are lazy purely for start-up cost (no cycle hides behind them) and are marked `# lazy`.
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from publisher.errors import AlreadyShared, Conflict, DuplicateSend, PublisherError

if TYPE_CHECKING:  # pragma: no cover
    from typer._click import Context as ClickContext  # TyperGroup's own parameter type

    from publisher.runtime import Services

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

EXIT_USER_ERROR = 2


class Format(StrEnum):
    text = "text"
    json = "json"


FormatOption = typer.Option("--format", "-f")
# `channels rekey` and `webhooks rekey`: the key stored secrets were sealed with, asked for unless given.
OldKeyOption = typer.Option(
    "--old-key",
    prompt="The previous PUBLISHER_SECRET_KEY",
    hide_input=True,
    envvar="PUBLISHER_OLD_SECRET_KEY",
    help="The key they were stored with (asked for when not given; or PUBLISHER_OLD_SECRET_KEY).",
)


class ProcessServices:
    """The CLI's composition root: runtime.build() once per process, on a command's first need.

    Built lazily so `--help`, a bad argument or a bad input file never reads the settings or opens (and
    migrates) the database; closed when the command ends.
    """

    def __init__(self) -> None:
        self._services: Services | None = None

    def get(self) -> Services:
        if self._services is None:
            # lazy: settings and SQLAlchemy, which --help never needs
            from publisher import logs, runtime
            from publisher.config import Settings

            settings = Settings()
            logs.setup_logging(settings.log_format, "WARNING")  # the command's own records: warnings and worse
            fresh = not settings.data_dir.exists()
            self._services = runtime.build(settings)
            if fresh and settings.data_dir.exists():
                err.print(f"created the data directory {settings.data_dir} (PUBLISHER_DATA_DIR sets another)")
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None


def services(ctx: typer.Context) -> Services:
    """The running command's Services (settings, store, dispatcher, clock)."""
    holder = ctx.find_object(ProcessServices)
    if holder is None:  # pragma: no cover - publisher.cli's callback always puts one there
        raise RuntimeError("no ProcessServices in the command's context")
    return holder.get()


_FORCE_DOES: dict[type[Conflict], str] = {AlreadyShared: "share again", DuplicateSend: "send it again"}


def word(exc: PublisherError, options: Collection[str] = ()) -> str:
    """The error as the CLI says it: a conflict names the command's --force, when it has one."""
    message = str(exc)
    if isinstance(exc, Conflict) and "force" in options:
        return f"{message}; use --force to {_FORCE_DOES.get(type(exc), 'go ahead anyway')}"
    return message


def _invalid_setting(exc: Exception) -> str | None:
    """One line for a PUBLISHER_* setting that is not valid (issue 4: e.g. a From with CR/LF), else None."""
    pydantic = sys.modules.get("pydantic")  # not imported at start-up: no settings read, no ValidationError
    if pydantic is None or not isinstance(exc, pydantic.ValidationError):
        return None
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'setting'}: {e['msg']}" for e in exc.errors())
    return f"invalid setting: {problems}"


_OPTIONS = "publisher.options"  # ctx.meta key (meta is shared by every context of one run)


class Commands(TyperGroup):
    """Every group of the CLI. Bad input ends any command with its message and exit code 2, never a
    traceback; the innermost group to see the error words it."""

    def resolve_command(self, ctx: ClickContext, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        # The innermost group resolves last, so this ends as the options of the command that runs.
        ctx.meta[_OPTIONS] = {p.name for p in command.params} if command is not None else set()
        return name, command, rest

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except PublisherError as exc:
            message = word(exc, ctx.meta.get(_OPTIONS, ()))
            err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except Exception as exc:
            problem = _invalid_setting(exc)
            if problem is None:
                raise
            err.print(f"error: {problem}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None


def group(help: str) -> typer.Typer:  # noqa: A002 - Typer's own name for it
    """A command group (`publisher subscribers ...`) under the one error handler."""
    return typer.Typer(cls=Commands, help=help, no_args_is_help=True)


def commands() -> typer.Typer:
    """Top-level commands of one module, merged into the root by publisher.cli."""
    return typer.Typer()
