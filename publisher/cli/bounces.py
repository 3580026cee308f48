"""`publisher bounces serve|poll|read`: receiving bounces by SMTP, from an IMAP mailbox, or from a mailbox file."""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from publisher.cli.common import err, group, out, services
from publisher.cli.subscribers import subscribers_bounces

if TYPE_CHECKING:  # pragma: no cover
    from publisher.bounces.imap import ImapUnavailable, PollReport
    from publisher.bounces.listener import Received

bounces_app = group("Receiving bounces: the inbound SMTP listener, IMAP polling, a Maildir or mbox read once.")

_STYLE = {"suppressed": "red", "sender-side": "yellow", "ignored": "dim", "duplicate": "dim"}


def _now() -> str:
    return datetime.now().astimezone().strftime("%H:%M:%S")


def _styled(line: str) -> str:
    """A console line with its outcomes coloured; everything in it escaped (peers and senders are anyone's)."""
    text = escape(line)
    for outcome, style in _STYLE.items():
        text = text.replace(f" {outcome}", f" [{style}]{outcome}[/]")
    return f"[dim]{_now()}[/] {text}"


@bounces_app.command("serve")
def bounces_serve(
    ctx: typer.Context,
    listen: Annotated[
        str | None, typer.Option(help="HOST:PORT to bind (default PUBLISHER_BOUNCE_LISTEN, 127.0.0.1:2525).")
    ] = None,
) -> None:
    """Receive bounces by SMTP until SIGTERM or Ctrl-C; one line per message.

    Mail is accepted only for the VERP return paths, the List-Unsubscribe mailto and the From address
    (anything else: 550); each message is recorded before 250 is answered (a failure answers 451).
    """
    from publisher.bounces.listener import Listener  # lazy: aiosmtpd and the store

    s = services(ctx)

    def told(received: Received) -> None:
        out.print(_styled(received.line()), markup=True)
        for paused in received.paused:
            out.print(f"  [bold yellow]campaign paused:[/] {escape(paused)}", markup=True)

    listener = Listener(s.store, s.settings, listen=listen, on_message=told)
    local, domain = s.settings.verp_local_part, s.settings.return_path_domain
    err.print(
        f"listening on {listener.host}:{listener.port} for bounces to {local}[+...]@{domain}; Ctrl-C stops",
        markup=False,
    )
    listener.run()
    err.print("stopped", markup=False)


@bounces_app.command("poll")
def bounces_poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit (for cron) instead of looping.")] = False,
    interval: Annotated[float, typer.Option(min=1, help="Seconds between polls.")] = 60.0,
    ca_file: Annotated[
        Path | None, typer.Option(help="PEM CAs to trust for a self-signed server (PUBLISHER_BOUNCE_IMAP_CA_FILE).")
    ] = None,
) -> None:
    """Fetch unseen mail from the IMAP mailbox PUBLISHER_BOUNCE_IMAP_URL, ingest it, then move or flag it.

    Processed mail moves to PUBLISHER_BOUNCE_IMAP_DONE_FOLDER, or is marked seen and flagged without one.
    A refused login or an untrusted certificate ends the command (exit 2); an unreachable server is
    retried at the next interval.
    """
    from publisher.bounces.imap import poll_forever, poll_once  # lazy: the store

    s = services(ctx)

    def told(report: PollReport) -> None:
        out.print(_styled(report.line()), markup=True)
        for detail in report.ingest.details:
            out.print(f"  {escape(detail)}", markup=True, style="dim")
        for paused in report.ingest.paused:
            out.print(f"  [bold yellow]campaign paused:[/] {escape(paused)}", markup=True)

    if once:
        told(poll_once(s.store, s.settings, ca_file=ca_file))
        return

    def unavailable(exc: ImapUnavailable) -> None:
        err.print(f"[dim]{_now()}[/] [yellow]{escape(str(exc))}[/]; trying again in {interval:g} s", markup=True)

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err.print(f"polling every {interval:g} s; Ctrl-C stops", markup=False)
    try:
        poll_forever(
            s.store, s.settings, interval=interval, stop=stop, on_poll=told, on_unavailable=unavailable, ca_file=ca_file
        )
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    err.print("stopped", markup=False)


@bounces_app.command("read")
def bounces_read(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A Maildir folder or an mbox file of bounce reports.")],
) -> None:
    """Read bounces, complaints and mailto unsubscribes from a mailbox (= `publisher subscribers bounces PATH`)."""
    subscribers_bounces(ctx, path)
