"""How the web app answers publisher's typed errors: one status per kind, and each surface's own hint."""

from __future__ import annotations

import pytest

from publisher.errors import (
    AlreadyShared,
    Conflict,
    Forbidden,
    ImportFailed,
    NotFound,
    PublisherError,
    StorageUnavailable,
)
from publisher.web.errors import status_for, word

SHARED = AlreadyShared(7, "x:work", "https://x.com/i/web/status/1")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no article with id 9"), 404),
        (Forbidden("only an administrator can manage other editors"), 403),
        (Conflict("a send of these articles went out an hour ago"), 409),
        (SHARED, 409),
        (StorageUnavailable("full", "the data directory /var/publisher is full"), 503),
        (ImportFailed("a.txt: the file is empty"), 422),
        (PublisherError("the title cannot be empty"), 422),
    ],
)
def test_each_kind_of_error_has_its_status(error: PublisherError, status: int):
    assert status_for(error) == status


def test_already_shared_names_the_api_s_force_field_or_the_editor_s_checkbox():
    base = "article 7 is already shared to x:work at https://x.com/i/web/status/1"

    assert word(SHARED, api=True) == f'{base}; send "force": true to share again'
    assert word(SHARED, api=False) == f"{base}; tick “share again” to share again"
    assert word(NotFound("no article with id 9"), api=True) == "no article with id 9"
