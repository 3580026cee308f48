"""Media for tests: real images made with Pillow, and a local S3-compatible server (moto's server mode).

The S3 server is moto's ThreadedMotoServer on a free 127.0.0.1 port: it speaks the S3 REST API that boto3
and every S3 client use (signed PUT/GET/HEAD), and serves objects at http://HOST:PORT/BUCKET/KEY with the
content type and Cache-Control they were stored with, as a public bucket would.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

S3_KEY_ID = "test-access-key"
S3_SECRET = "test-secret-key-never-logged"


def image_bytes(
    width: int = 1600,
    height: int = 900,
    fmt: str = "JPEG",
    *,
    colour: tuple[int, ...] = (200, 60, 20),
    exif: dict[int, object] | None = None,
    mode: str = "RGB",
) -> bytes:
    """A real image file of that size and format; `exif` tags (e.g. {0x0112: 6} for a turned photo)."""
    image = Image.new(mode, (width, height), colour)
    for x in range(0, width, max(1, width // 8)):  # some detail, so encoders do real work
        image.paste((20, 20, 200) if mode == "RGB" else colour, (x, 0, min(width, x + 4), height))
    out = io.BytesIO()
    options: dict[str, object] = {}
    if exif:
        tags = Image.Exif()
        for tag, value in exif.items():
            tags[tag] = value
        options["exif"] = tags.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(width: int = 800, height: int = 400, rgb: tuple[int, int, int] = (40, 110, 200)) -> bytes:
    """A PNG of one colour with a lighter band, so it is recognisable in a screenshot."""
    image = Image.new("RGB", (width, height), rgb)
    image.paste((240, 200, 60), (0, height // 3, width, 2 * height // 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class S3Server:
    endpoint: str

    def client(self):  # noqa: ANN201 - boto3's client type is not exported
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )

    def new_bucket(self) -> str:
        name = f"media-{secrets.token_hex(4)}"
        self.client().create_bucket(Bucket=name)
        return name


@contextmanager
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
