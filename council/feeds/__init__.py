"""Calendar feeds: which events go in which feed (selection), read from the database (source), published as
precomputed bytes (publish), and opened to private subscribers by token (tokens). The iCalendar format itself is
council.feeds.ical's business."""

from council.feeds.config import FeedConfig, load_feed_config
from council.feeds.publish import FeedOutcome, PublishReport, etag_of, publish_feeds, write_feed_file
from council.feeds.selection import (
    PUBLIC_MEETING_KINDS,
    PUBLIC_STAGE_KEYS,
    Directory,
    FeedDefinition,
    FeedItem,
    FeedKind,
    MeetingRecord,
    OrganizationRecord,
    Schedule,
    StageRecord,
    TaskRecord,
    assemble_feeds,
    feed_definitions,
    feed_items,
    feed_window,
    select_events,
)
from council.feeds.tokens import (
    IssuedToken,
    create_token,
    feed_url,
    hash_token,
    list_tokens,
    revoke_token,
    token_grants,
)

__all__ = [
    "PUBLIC_MEETING_KINDS",
    "PUBLIC_STAGE_KEYS",
    "Directory",
    "FeedConfig",
    "FeedDefinition",
    "FeedItem",
    "FeedKind",
    "FeedOutcome",
    "IssuedToken",
    "MeetingRecord",
    "OrganizationRecord",
    "PublishReport",
    "Schedule",
    "StageRecord",
    "TaskRecord",
    "assemble_feeds",
    "create_token",
    "etag_of",
    "feed_definitions",
    "feed_items",
    "feed_url",
    "feed_window",
    "hash_token",
    "list_tokens",
    "load_feed_config",
    "publish_feeds",
    "revoke_token",
    "select_events",
    "token_grants",
    "write_feed_file",
]
