"""Where media bytes live: files under the data directory, or an S3-compatible bucket.

Both keep objects under keys such as `img/3f2a.../1200.jpg` and answer the same five calls. Keys are
content-addressed (a key's bytes never change), so whoever serves them may let readers cache them
for a year (`Cache-Control: public, max-age=31536000, immutable`).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from publisher.errors import MediaUnavailable, NotFound

if TYPE_CHECKING:
    from publisher.config import Settings

CACHE_CONTROL = "public, max-age=31536000, immutable"
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")


def check_key(key: str) -> str:
    """The key if it is one this store makes (lowercase path segments, no `..`, no leading slash)."""
    if not _KEY.fullmatch(key) or ".." in key:
        raise NotFound(f"no media called {key!r}")
    return key


class MediaStore(Protocol):
    """Bytes by key, and the public URL each key is read at."""

    public_url: str

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def describe(self) -> str: ...


def url_of(store: MediaStore, key: str) -> str:
    return f"{store.public_url}/{key}"


def key_of(store: MediaStore, url: str) -> str | None:
    """The key a URL of this store points to, or None for any other URL."""
    prefix = store.public_url + "/"
    if not url.startswith(prefix):
        return None
    key = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    return key if _KEY.fullmatch(key) and ".." not in key else None


class FileMediaStore:
    """Media as files under a directory (PUBLISHER_DATA_DIR/media), served by the web app at /media/."""

    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root
        self.public_url = public_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # a reader sees the old file or the whole new one, never half of it
        except OSError as exc:
            raise MediaUnavailable(f"cannot write media to {self.root}: {exc.strerror or exc}") from None

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no media called {key!r}") from None
        except OSError as exc:
            raise MediaUnavailable(f"cannot read media from {self.root}: {exc.strerror or exc}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the object (gone already is fine)."""
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise MediaUnavailable(f"cannot remove media from {self.root}: {exc.strerror or exc}") from None

    def describe(self) -> str:
        return f"files under {self.root}"


class S3MediaStore:
    """Media in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str, public_url: str, acl: str | None = None) -> None:
        self.client = client
        self.acl = acl
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.public_url = public_url.rstrip("/")

    def _failure(self, exc: Exception, doing: str) -> MediaUnavailable:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
        why = code or type(exc).__name__
        return MediaUnavailable(f"cannot {doing} bucket {self.bucket!r}: {why}")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        options = {"ACL": self.acl} if self.acl else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + check_key(key),
                Body=data,
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
                **options,
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._failure(exc, "write media to") from None

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
            return bytes(answer["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound(f"no media called {key!r}") from None
            raise self._failure(exc, "read media from") from None
        except BotoCoreError as exc:
            raise self._failure(exc, "read media from") from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise self._failure(exc, "read media from") from None
        except BotoCoreError as exc:
            raise self._failure(exc, "read media from") from None
        return True

    def delete(self, key: str) -> None:
        """Remove the object (gone already is fine: S3 answers a delete of a missing key with success)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._failure(exc, "remove media from") from None

    def describe(self) -> str:
        return f"bucket {self.bucket}" + (f" under {self.prefix}" if self.prefix else "")


def open_store(settings: Settings) -> MediaStore:
    """The media store the settings name (PUBLISHER_MEDIA_URL); boto3 is imported only for a bucket."""
    if not settings.media_url:
        return FileMediaStore(settings.media_dir, settings.resolved_media_public_url)
    import boto3  # lazy: a filesystem install never loads botocore

    bucket, _, prefix = settings.media_url[len("s3://") :].partition("/")
    secret = settings.media_s3_secret_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.media_s3_endpoint,
        region_name=settings.media_s3_region or "us-east-1",
        aws_access_key_id=settings.media_s3_access_key,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
    )
    return S3MediaStore(client, bucket, prefix, settings.resolved_media_public_url, acl=settings.media_s3_acl)
