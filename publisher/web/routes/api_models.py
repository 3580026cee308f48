"""The REST API's request and response bodies (pydantic models; FastAPI documents them in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from publisher.render.images import PickedImage


class SectionIn(BaseModel):
    heading: str | None = Field(default=None, max_length=200)
    paragraphs: list[str] = Field(max_length=1000)


class SectionOut(BaseModel):
    heading: str | None
    paragraphs: list[str]


class ArticleOut(BaseModel):
    id: int
    title: str
    slug: str
    summary: str
    url: str
    lang: str = Field(description="The article's language (a BCP 47 tag)")
    sections: list[SectionOut]
    blocks: dict[str, Any] = Field(description='The document: {"version": 1, "blocks": [...]} (see the README)')
    markdown: str = Field(description="The document as Markdown, as the editor shows it (reads back the same)")
    published_at: datetime | None
    created_at: datetime


class ArticleImport(BaseModel):
    """One of: `text` (a file's contents, its `filename` choosing the importer), `title` with `markdown`,
    or `title` with `blocks` (a document as `GET /api/articles/{id}` returns it)."""

    text: str | None = Field(
        default=None,
        description="The article: plain text (title on line 1), Markdown or HTML, as the filename's suffix says",
        max_length=5_000_000,
    )
    filename: str = Field(
        default="pasted.txt",
        max_length=200,
        description="Its name; the suffix picks the importer: .txt/.text, .md/.markdown or .html/.htm",
    )
    title: str | None = Field(default=None, max_length=300, description="The title, with `markdown` or `blocks`")
    markdown: str | None = Field(
        default=None, max_length=5_000_000, description="The body in Markdown (CommonMark), without the title"
    )
    blocks: dict[str, Any] | None = Field(
        default=None, description='The body as a document: {"version": 1, "blocks": [...]}'
    )
    lang: str | None = Field(
        default=None, max_length=35, description="Its language when the file declares none; default PUBLISHER_LANGUAGE"
    )


class ImportResult(BaseModel):
    id: int
    created: bool = Field(description="False when these exact bytes were imported before")


class ArticleUpdate(BaseModel):
    """The title, and at most one of: `markdown`, `blocks` (the document), `sections` (plain text, which
    replaces the document with headings and paragraphs). With none of them the document stays as it is."""

    title: str | None = Field(default=None, max_length=300)
    markdown: str | None = Field(default=None, max_length=5_000_000, description="The body in Markdown")
    blocks: dict[str, Any] | None = Field(default=None, description='The document: {"version": 1, "blocks": [...]}')
    sections: list[SectionIn] | None = Field(default=None, max_length=200)


class SharePreviewOut(BaseModel):
    channel: str
    network: str
    text: str
    length: int = Field(description="The post's length as the network counts it (X weights, URLs, graphemes)")
    limit: int | None = Field(description="The network's limit; null when it has none")
    shortened: bool = Field(description="The summary was cut to fit the limit")
    over: bool = Field(description="The post cannot go out as shown")
    url: str
    error: str | None
    already_shared: str | None = Field(description="Where the article was shared to this account before")


class PreviewOut(BaseModel):
    subject: str
    html: str
    text: str
    shares: list[SharePreviewOut]


class ListOut(BaseModel):
    id: int
    name: str
    active: int
    total: int


class SubscriberOut(BaseModel):
    id: int
    email: str
    name: str
    lists: dict[str, str]


class SubscribersAdd(BaseModel):
    emails: list[str] = Field(min_length=1, max_length=10_000)
    list_name: str = Field(min_length=1, max_length=200, description="The list (created if new)")
    name: str = Field(default="", max_length=200)


class AddResult(BaseModel):
    added: int
    already: int


class SendIn(BaseModel):
    article_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(min_length=1, max_length=50)
    list_name: str = Field(min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=300)
    send_at: datetime | None = Field(
        default=None,
        description="Send later, at this ISO 8601 time with its UTC offset (within a year); omit to send now",
    )
    force: bool = Field(default=False, description="Send even if it went to this list lately (else 409)")
    full: bool | None = Field(
        default=None,
        description='Each article in full (true) or as its summary with a "Read more" link (false); '
        "omit for full text with one article, summaries with several",
    )


class ShareImageIn(BaseModel):
    url: str = Field(max_length=2000, description="The URL of one of the article's images (its cover, an image block)")
    alt: str = Field(max_length=1500, description="Its alt text, required: an empty one is a 422")

    def picked(self) -> PickedImage:
        return PickedImage(self.url, self.alt)


IMAGES_DESCRIPTION = (
    "Images of the article to attach, in order, each with its alt text: at most 4 on Mastodon, X and Bluesky "
    "(on Bluesky in place of the link card), none on LinkedIn, Threads and webhooks. A URL that is not one of "
    "the article's images, an empty alt, or more images (or a bigger file) than a network takes is a 422 "
    "naming it, and nothing is queued"
)


class ShareIn(BaseModel):
    article_id: int = Field(ge=1, le=2_147_483_647)
    channels: list[str] = Field(min_length=1, max_length=20)
    force: bool = False
    attach_image: bool = Field(
        default=False,
        description="Attach the article's cover image (with its alt text) to the Mastodon and X posts; "
        "Bluesky's link card shows it as its thumbnail either way",
    )
    track_clicks: bool = Field(
        default=False,
        description="Count clicks on the posts: each post's link goes through /r/<token> to the article "
        "(one tracked link per channel); a 422 when the publication's tracking mode is off",
    )
    send_at: datetime | None = Field(
        default=None,
        description="Post later, at this ISO 8601 time with its UTC offset (within a year); omit to post now. "
        "The workers' sweep starts it; POST /api/campaigns/{id}/cancel cancels it",
    )
    thread: bool = Field(
        default=False,
        description="On X, Mastodon and Bluesky, post the whole text as a thread (parts within the network's "
        "limits, split at sentences, then words) instead of shortening it",
    )
    numbered: bool = Field(default=False, description='Number a thread\'s parts ("1/3", "2/3", ...)')
    texts: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="The editor's own text for some of the channels (channel -> text), posted instead of the "
        "composed post and counted as the network counts it: over its limit is a 422 naming the network, "
        "unless `thread` is set or a line of only --- splits it into a thread's parts (X, Mastodon, Bluesky)",
    )
    images: list[ShareImageIn] = Field(default_factory=list, max_length=20, description=IMAGES_DESCRIPTION)


class CampaignOut(BaseModel):
    id: int
    kind: str
    state: str
    subject: str
    counts: dict[str, int]
    total: int
    percent: int
    created_at: datetime
    finished_at: datetime | None
    scheduled_at: datetime | None = Field(default=None, description="When a scheduled send or share starts (UTC)")
    pause_reason: str | None = Field(default=None, description='Why it is paused, read after "paused:"')


class RescheduleIn(BaseModel):
    send_at: datetime = Field(description="The new time, ISO 8601 with its UTC offset (within a year)")


class CampaignSummary(BaseModel):
    id: int
    kind: str
    state: str
    subject: str
    created_at: datetime


class ChannelOut(BaseModel):
    name: str
    use: str


class MeOut(BaseModel):
    username: str
    admin: bool
    scopes: list[str] = Field(description="What this token may do: read, write, send")


class CopyOut(BaseModel):
    width: int
    height: int
    url: str
    bytes: int


class MediaOut(BaseModel):
    id: str = Field(description="The image's id: the same file uploaded again gets the same id and URLs")
    url: str = Field(description="The copy a document points to: `![alt](url)` in Markdown")
    width: int
    height: int
    content_type: str
    copies: list[CopyOut] = Field(description="Every re-encoded copy, narrowest first")
