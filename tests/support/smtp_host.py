"""The SMTP host of the many-hosts test, run as `python -m tests.support.smtp_host HOST PORT LOG`.

A small real SMTP server (RFC 5321 with PIPELINING, over TCP, asyncio) that accepts every message and
appends one line per delivered recipient to LOG as it answers 250 to the message's data:
`<unix time> <peer ip> <recipient>`. The test counts deliveries per address and per sending host from it.
It reads a message's data in one piece up to the "." line, not line by line as aiosmtpd does: on a loaded
2-core machine aiosmtpd took about 12 ms of CPU a message, too slow to receive 20,000 in a bounded test.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass
from typing import IO


@dataclass
class Delivery:
    at: float
    peer: str
    recipient: str


def read_log(text: str) -> list[Delivery]:
    """The deliveries in a LOG file's text (a line still being written is left out)."""
    out = []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        at, peer, recipient = line.split()
        out.append(Delivery(float(at), peer, recipient))
    return out


def _address(argument: str) -> str:
    """The address of `FROM:<a@b> SIZE=1` or `TO:<a@b>`."""
    value = argument.split(":", 1)[1].strip()
    return value[1 : value.index(">")] if value.startswith("<") else value.split()[0]


async def _session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, log: IO[str]) -> None:
    peer = writer.get_extra_info("peername")[0]
    writer.write(b"220 mail.test ESMTP\r\n")
    recipients: list[str] = []
    try:
        while line := await reader.readline():
            verb, _, argument = line.decode("ascii", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                writer.write(b"250-mail.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n")
            elif verb == "HELO":
                writer.write(b"250 mail.test\r\n")
            elif verb == "MAIL":
                recipients = []
                writer.write(b"250 2.1.0 Ok\r\n")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                writer.write(b"250 2.1.5 Ok\r\n")
            elif verb == "DATA":
                if not recipients:
                    writer.write(b"503 5.5.1 no valid recipients\r\n")
                    continue
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                now = time.time()
                log.write("".join(f"{now:.6f} {peer} {r}\n" for r in recipients))
                log.flush()
                recipients = []
                writer.write(b"250 2.0.0 Ok: queued\r\n")
            elif verb in ("RSET", "NOOP"):
                recipients = [] if verb == "RSET" else recipients
                writer.write(b"250 2.0.0 Ok\r\n")
            elif verb == "QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                break
            else:
                writer.write(b"502 5.5.2 command not recognized\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        pass  # a client gone mid-message: nothing of that message is logged
    finally:
        writer.close()


async def serve(host: str, port: int, path: str) -> None:
    with open(path, "a", encoding="ascii") as log:
        server = await asyncio.start_server(
            lambda r, w: _session(r, w, log), host, port, reuse_address=True, limit=32 * 1024 * 1024
        )
        print(f"smtp listening on {host}:{port}", flush=True)
        stopped = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
        async with server:
            await stopped.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
