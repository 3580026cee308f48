"""Routers, one module per area; create_app includes every router listed here."""

from fastapi import APIRouter

from publisher.web.routes import (
    api,
    api_feeds,
    api_media,
    api_publication,
    api_publish,
    api_queue,
    api_report,
    api_schedules,
    api_sequence,
    api_webhooks,
    archive,
    auth,
    bounce_webhooks,
    consent,
    editor_accounts,
    editor_articles,
    editor_automation,
    editor_bounces,
    editor_campaigns,
    editor_channels,
    editor_digests,
    editor_feeds,
    editor_people,
    editor_publish,
    editor_report,
    editor_schedules,
    editor_sequence,
    editor_settings,
    editor_share_count,
    editor_templates,
    editor_webhooks,
    editor_writing,
    media,
    metrics,
    public,
    public_feeds,
    tracking,
)

ROUTERS: list[APIRouter] = [
    public.router,
    public_feeds.router,  # /feed.xml and /feed.atom: the publication's feeds (issue 16)
    tracking.router,  # /r/<token> and /o/<token>.gif: opens and clicks (issue 15)
    metrics.router,  # GET /metrics for Prometheus, loopback or a bearer token (issue 15)
    media.router,  # media files of the filesystem media store (issue 11)
    archive.router,
    editor_settings.router,  # the publication's Settings and Templates, for administrators (issue 12)
    editor_templates.router,
    api_publication.router,
    consent.router,  # public consent pages and endpoints (issue 5)
    bounce_webhooks.router,  # bounce reports from MTAs and providers (issues 5, 13)
    auth.router,
    editor_people.router,
    editor_channels.router,  # the Channels page; accounts added and removed there (issue 14)
    editor_accounts.router,  # API tokens; People, for administrators (issue 18, item 12)
    editor_writing.router,  # before editor_articles: /editor/articles/new is no article id (issue 11)
    editor_articles.router,
    editor_publish.router,  # one Publish and its timeline (issue 16)
    editor_share_count.router,  # the Share page's live counter of edited posts (issue 14)
    editor_campaigns.router,
    editor_report.router,  # a campaign's report with its charts (issue 15)
    editor_bounces.router,  # the Bounces page (issue 13)
    editor_digests.router,  # the digest composer (issue 12)
    editor_automation.router,  # one page for feeds, recurring digests, welcome mails, webhooks (issue 16)
    editor_feeds.router,  # the Feeds page (issue 16)
    editor_schedules.router,  # recurring digests (issue 16)
    editor_sequence.router,  # a list's welcome mail and sequence (issue 16)
    api.router,
    api_media.router,
    api_queue.router,  # posting slots and the queue (issue 14)
    api_report.router,  # a campaign's report (issue 15)
    api_feeds.router,  # feeds in (issue 16)
    api_schedules.router,  # recurring digests (issue 16)
    api_sequence.router,  # a list's welcome mail and sequence (issue 16)
    api_publish.router,  # one Publish and its timeline (issue 16)
    editor_webhooks.router,  # the Webhooks page and the event log (issue 16)
    api_webhooks.router,  # webhook endpoints, deliveries and events (issue 16)
]
