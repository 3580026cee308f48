"""A TCP forwarder, run as `python -m tests.support.forwarder LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT`.

The many-hosts test offers the machine's PostgreSQL (bound to 127.0.0.1) to its network namespaces on the
test subnet's address with it, byte for byte, a connection per connection.
"""

from __future__ import annotations

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(listen_host: str, listen_port: int, target_host: str, target_port: int) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
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
