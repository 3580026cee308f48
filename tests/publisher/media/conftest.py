from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.media import S3Server, s3_server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A local S3-compatible server (moto's server mode) for the session; each test makes its own bucket."""
    with s3_server() as server:
        yield server
