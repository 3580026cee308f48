"""A TCP forwarder, run as `python -m tests.support.forwarder LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT`.

The many-hosts test offers the machine's PostgreSQL (bound to 127.0.0.1) to its network namespaces on the
test subnet's address with it, byte for byte, a connection per connection.

It gives up on a client that stopped answering as a PostgreSQL server with `tcp_keepalives_idle = 2`,
`tcp_keepalives_interval = 1`, `tcp_keepalives_count = 3` and `tcp_user_timeout = 5000` would (README, "Running
on several machines"), and then closes its side to PostgreSQL: the server ends that session and releases its
locks. Without that a host cut off in the middle of a statement (psycopg's pipelined executemany) holds the
rows it updated so far for as long as TCP keeps the dead connection, and nobody can take them over.
"""

from __future__ import annotations

import asyncio
import socket
import sys

KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT, USER_TIMEOUT_MS = 2, 1, 3, 5000


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def _give_up_on_silence(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_COUNT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, USER_TIMEOUT_MS)


async def serve(listen_host: str, listen_port: int, target_host: str, target_port: int) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        _give_up_on_silence(client_writer.get_extra_info("socket"))
        try:
            target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, target_writer), _pipe(target_reader, client_writer))

    server = await asyncio.start_server(handle, listen_host, listen_port, reuse_address=True)
    print(f"forwarding {listen_host}:{listen_port} to {target_host}:{target_port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    host, port, to_host, to_port = sys.argv[1:5]
    asyncio.run(serve(host, int(port), to_host, int(to_port)))
