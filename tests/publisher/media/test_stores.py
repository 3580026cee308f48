"""The media store on the filesystem and on a real S3-compatible server: the same calls, the same answers,
and URLs that answer 200 with the image's content type and a year's caching."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from publisher.config import Settings
from publisher.errors import MediaUnavailable, NotFound
from publisher.media import CACHE_CONTROL, FileMediaStore, MediaStore, find_image, load_image, open_store, save_image
from publisher.web.app import create_app
from tests.support.media import S3_KEY_ID, S3_SECRET, S3Server, image_bytes


def s3_settings(s3: S3Server, bucket: str, **extra: object) -> Settings:
    return Settings(
        media_url=f"s3://{bucket}/newsletter",
        media_s3_endpoint=s3.endpoint,
        media_s3_access_key=S3_KEY_ID,
        media_s3_secret_key=S3_SECRET,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["filesystem", "s3"])
def media(request: pytest.FixtureRequest, settings: Settings) -> Iterator[tuple[MediaStore, httpx.Client | TestClient]]:
    """A store and an HTTP client that fetches its public URLs as a reader's mail client would."""
    if request.param == "filesystem":
        app = create_app(settings)
        with TestClient(app, base_url=settings.base_url) as client:
            yield app.state.services.media, client
        return
    s3: S3Server = request.getfixturevalue("s3")
    store = open_store(s3_settings(s3, s3.new_bucket(), media_s3_acl="public-read"))
    with httpx.Client() as client:
        yield store, client


def test_the_store_is_files_under_the_data_dir_unless_a_bucket_is_named(settings, tmp_path):
    store = open_store(settings)

    assert isinstance(store, FileMediaStore) and store.root == tmp_path / "data" / "media"
    assert store.public_url == "https://news.example.org/media"


def test_a_saved_image_is_served_at_stable_absolute_urls_with_its_type_and_caching(media):
    store, client = media

    stored = save_image(store, image_bytes(1600, 900), "photo.jpg")

    assert stored.url.startswith(store.public_url + "/img/") and stored.url.endswith("/1200.jpg")
    assert (stored.width, stored.height) == (1200, 675)
    assert [c.width for c in stored.copies] == [600, 1200, 1600]
    for copy in stored.copies:
        answer = client.get(copy.url)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/jpeg"
        assert answer.headers["cache-control"] == CACHE_CONTROL
        assert len(answer.content) == copy.size


def test_the_same_file_uploaded_twice_is_stored_once_with_the_same_urls(media):
    store, _ = media
    data = image_bytes(800, 600, "PNG")

    first, second = save_image(store, data), save_image(store, data)

    assert first == second


def test_an_image_is_found_again_by_any_of_its_urls_and_loaded_within_a_byte_cap(media):
    store, _ = media
    stored = save_image(store, image_bytes(3000, 2000), "wide.jpg")

    assert find_image(store, stored.copies[0].url) == stored
    assert find_image(store, "https://elsewhere.example/img/x/600.jpg") is None
    smallest = min(c.size for c in stored.copies)
    loaded = load_image(store, stored.url, max_bytes=smallest)
    assert loaded.content_type == "image/jpeg" and len(loaded.data) == smallest


def test_keys_outside_the_store_are_not_found(media):
    store, _ = media

    for key in ("../secret.key", "img/../../secret.key", "/etc/passwd", "IMG/A.jpg"):
        with pytest.raises(NotFound):
            store.get(key)
    with pytest.raises(NotFound):
        store.get("img/none/600.jpg")
    assert not store.exists("img/none/600.jpg")


def test_the_media_route_answers_404_for_what_it_does_not_hold(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/media/img/none/600.jpg").status_code == 404
        assert client.get("/media/img/%2e%2e/%2e%2e/secret.key").status_code == 404
        assert client.get("/media/publisher.db").status_code == 404


def test_a_bucket_that_cannot_be_reached_is_media_unavailable_naming_the_bucket_not_the_secret(settings):
    dead = Settings(
        media_url="s3://nowhere/prefix",
        media_s3_endpoint="http://127.0.0.1:9",  # nothing listens on the discard port
        media_s3_access_key=S3_KEY_ID,
        media_s3_secret_key=S3_SECRET,
    )
    store = open_store(dead)

    with pytest.raises(MediaUnavailable, match="cannot write media to bucket 'nowhere'") as failed:
        store.put("img/a/600.jpg", b"x", "image/jpeg")
    assert S3_SECRET not in str(failed.value)


def test_a_bucket_that_does_not_exist_is_media_unavailable(s3):
    store = open_store(s3_settings(s3, "no-such-bucket"))

    with pytest.raises(MediaUnavailable, match="bucket 'no-such-bucket': NoSuchBucket"):
        save_image(store, image_bytes(100, 100))


def test_a_store_that_cannot_write_is_media_unavailable_and_leaves_nothing_behind(tmp_path):
    (tmp_path / "media").write_text("a file where the media directory should be")
    store = FileMediaStore(tmp_path / "media", "https://news.example.org/media")

    with pytest.raises(MediaUnavailable, match=f"cannot write media to {tmp_path / 'media'}: Not a directory"):
        store.put("img/a/600.jpg", b"x", "image/jpeg")
    with pytest.raises(MediaUnavailable, match="Not a directory"):
        save_image(store, image_bytes(100, 100))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]


def test_a_private_bucket_answers_403_to_readers_so_media_needs_a_public_policy_or_acl(s3):
    store = open_store(s3_settings(s3, s3.new_bucket()))  # no ACL: the bucket's default (private)

    stored = save_image(store, image_bytes(100, 100))

    assert httpx.get(stored.url).status_code == 403
    assert load_image(store, stored.url, max_bytes=10**6).content_type == "image/jpeg"  # signed reads work


def test_an_object_can_be_removed_and_removing_it_again_is_fine(media):
    store, _ = media
    store.put("probe/doctor.txt", b"probe", "text/plain")
    assert store.exists("probe/doctor.txt")

    store.delete("probe/doctor.txt")
    store.delete("probe/doctor.txt")

    assert not store.exists("probe/doctor.txt")
