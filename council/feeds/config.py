"""Feed settings: documented defaults (in brackets), overridden by COUNCIL_* environment variables.

- COUNCIL_PUBLIC_BASE_URL (none): where `council serve` or the static copy is reachable, e.g.
  https://council.example.jp; used in token URLs and the subscribe page.
- COUNCIL_DOCUMENTS_BASE_URL ($COUNCIL_PUBLIC_BASE_URL): base of the agenda links in events; the link is
  base + '/' + the document's directory (relative to COUNCIL_HOME). Without either, events carry no agenda link.
- COUNCIL_ORGANIZER_EMAIL (the secretariat's first contact e-mail): ORGANIZER of every event.
- COUNCIL_ORGANIZER_NAME (prefecture + secretariat name): the ORGANIZER's CN.
- COUNCIL_FEED_CANCELLED_RETENTION_DAYS (30): how long a cancelled meeting or deadline stays in feeds
  (STATUS:CANCELLED, 【中止】) after its cancellation or its own date, whichever is later.
- COUNCIL_FEED_PUBLIC_REGIONS (none): comma-separated regions (name or feed slug: 村山 or murayama) whose region
  feed is public; the others are private.
- COUNCIL_FEED_REFRESH_MINUTES (360): REFRESH-INTERVAL and X-PUBLISHED-TTL.
- COUNCIL_FEED_PUBLIC_MAX_AGE (300): Cache-Control max-age, in seconds, of public feeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from council.errors import InputError


@dataclass(frozen=True)
class FeedConfig:
    council_code: str = "yamagata"
    public_base_url: str | None = None
    documents_base_url: str | None = None
    organizer_email: str | None = None
    organizer_name: str | None = None
    cancelled_retention: timedelta = timedelta(days=30)
    public_regions: frozenset[str] = field(default_factory=frozenset)
    refresh_interval: timedelta = timedelta(hours=6)
    public_max_age: int = 300

    @property
    def agenda_base_url(self) -> str | None:
        base = self.documents_base_url or self.public_base_url
        return base.rstrip("/") if base else None


def _int_setting(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a whole number", file="environment", field=name) from None
    if value < minimum:
        raise InputError(f"{value} is below the minimum {minimum}", file="environment", field=name)
    return value


def _url_setting(env: Mapping[str, str], name: str) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")):
        raise InputError(f"{raw!r} must start with http:// or https://", file="environment", field=name)
    return raw.rstrip("/")


def load_feed_config(env: Mapping[str, str], *, council_code: str) -> FeedConfig:
    """The feed settings from COUNCIL_* variables in `env` (see the module doc); InputError names a bad one."""
    regions = frozenset(part.strip() for part in env.get("COUNCIL_FEED_PUBLIC_REGIONS", "").split(",") if part.strip())
    return FeedConfig(
        council_code=council_code,
        public_base_url=_url_setting(env, "COUNCIL_PUBLIC_BASE_URL"),
        documents_base_url=_url_setting(env, "COUNCIL_DOCUMENTS_BASE_URL"),
        organizer_email=(env.get("COUNCIL_ORGANIZER_EMAIL") or "").strip() or None,
        organizer_name=(env.get("COUNCIL_ORGANIZER_NAME") or "").strip() or None,
        cancelled_retention=timedelta(days=_int_setting(env, "COUNCIL_FEED_CANCELLED_RETENTION_DAYS", 30, minimum=0)),
        public_regions=regions,
        refresh_interval=timedelta(minutes=_int_setting(env, "COUNCIL_FEED_REFRESH_MINUTES", 360, minimum=1)),
        public_max_age=_int_setting(env, "COUNCIL_FEED_PUBLIC_MAX_AGE", 300, minimum=0),
    )
