"""Publishing: rebuild every feed, keep what did not change, store the bytes to be served.

Feeds are built when something is published or changed, never per request. Each event's DTSTAMP and SEQUENCE come
from its stored stamp (FeedItemStamp), each feed's Last-Modified from its snapshot (FeedSnapshot): both move only
when content changes, so rebuilding an unchanged plan gives the same bytes, the same ETag and the same date.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.feeds.config import FeedConfig
from council.feeds.ical import FeedEvent, build_feed
from council.feeds.selection import FeedItem, feed_definitions, feed_items, select_events
from council.feeds.source import load_directory, load_schedule
from council.files import write_atomically
from models import FeedItemStamp, FeedSnapshot


@dataclass(frozen=True)
class FeedOutcome:
    name: str
    title: str
    public: bool
    events: int
    changed: bool
    etag: str
    changed_at: datetime


@dataclass(frozen=True)
class PublishReport:
    feeds: tuple[FeedOutcome, ...]
    removed: tuple[str, ...]
    directory: Path

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(feed.name for feed in self.feeds if feed.changed)

    def summary(self) -> str:
        public = sum(1 for feed in self.feeds if feed.public)
        return (
            f"{len(self.feeds)} feeds ({public} public), {len(self.changed)} changed, "
            f"{len(self.removed)} removed, in {self.directory}"
        )


def etag_of(body_sha256: str) -> str:
    """A strong ETag: the body's SHA-256 (truncated; 128 bits are plenty to tell versions of one feed apart)."""
    return f'"{body_sha256[:32]}"'


def publish_feeds(
    session: Session,
    *,
    today: date,
    now: datetime,
    config: FeedConfig,
    feeds_dir: Path,
    base_url: str | None = None,
) -> PublishReport:
    """Rebuild every feed, store the snapshots and write `feeds_dir`/<name>.ics (default COUNCIL_HOME/feeds).

    `base_url` overrides COUNCIL_PUBLIC_BASE_URL (where agenda links point when no documents base URL is set).
    Unchanged feeds keep their bytes, their file and their Last-Modified. The caller owns the commit.
    """
    if base_url:
        config = dataclasses.replace(config, public_base_url=base_url.rstrip("/"))
    directory = load_directory(session, config)
    schedule = load_schedule(session, config, today=today)
    items = stamp_items(session, feed_items(directory, schedule, today=today, config=config), now=now)

    snapshots = {snapshot.name: snapshot for snapshot in session.exec(select(FeedSnapshot)).all()}
    outcomes: list[FeedOutcome] = []
    for definition in feed_definitions(directory, config):
        events = select_events(definition, items)
        body = build_feed(definition.spec, events)
        digest = hashlib.sha256(body).hexdigest()
        snapshot = snapshots.pop(definition.name, None)
        changed = snapshot is None or snapshot.body_sha256 != digest
        if snapshot is None:
            snapshot = FeedSnapshot(
                name=definition.name,
                title=definition.spec.title,
                public=definition.public,
                body=body,
                body_sha256=digest,
                event_count=len(events),
                changed_at=now,
                built_at=now,
            )
        elif changed:
            snapshot.body, snapshot.body_sha256, snapshot.changed_at = body, digest, now
        snapshot.title, snapshot.public, snapshot.event_count, snapshot.built_at = (
            definition.spec.title,
            definition.public,
            len(events),
            now,
        )
        session.add(snapshot)
        write_feed_file(feeds_dir, definition.name, body, snapshot.changed_at)
        outcomes.append(
            FeedOutcome(
                name=definition.name,
                title=definition.spec.title,
                public=definition.public,
                events=len(events),
                changed=changed,
                etag=etag_of(digest),
                changed_at=snapshot.changed_at,
            )
        )
    # Feeds whose subject is gone (an organisation deactivated …): stop serving them.
    for stale in snapshots.values():
        session.delete(stale)
        (feeds_dir / f"{stale.name}.ics").unlink(missing_ok=True)
    session.flush()
    return PublishReport(feeds=tuple(outcomes), removed=tuple(sorted(snapshots)), directory=feeds_dir)


def stamp_items(session: Session, items: Sequence[FeedItem], *, now: datetime) -> list[FeedItem]:
    """Give each event the DTSTAMP/LAST-MODIFIED of its last content change and a SEQUENCE that rose with every
    change of time, status or place; record new stamps. A meeting's SEQUENCE is its revision counter (never lower
    than what was already published)."""
    stamps = {stamp.uid: stamp for stamp in session.exec(select(FeedItemStamp)).all()}
    stamped: list[FeedItem] = []
    for item in items:
        event = item.event
        content, schedule = _fingerprints(event)
        stamp = stamps.get(event.uid)
        if stamp is None:
            stamp = FeedItemStamp(
                uid=event.uid,
                internal_id=event.internal_id,
                content_sha256=content,
                schedule_sha256=schedule,
                sequence=item.fixed_sequence or 0,
                changed_at=item.source_changed_at,
            )
            stamps[event.uid] = stamp
            session.add(stamp)
        elif stamp.content_sha256 != content:
            # The record's own timestamp when it moved since the last stamp; else the change came from elsewhere
            # (an agenda published, a title edited without touching the meeting) and happened by `now`.
            stamp.changed_at = item.source_changed_at if item.source_changed_at > stamp.changed_at else now
            if stamp.schedule_sha256 != schedule:
                stamp.sequence += 1
            stamp.content_sha256, stamp.schedule_sha256 = content, schedule
            session.add(stamp)
        sequence = max(stamp.sequence, item.fixed_sequence or 0)
        stamped.append(
            dataclasses.replace(
                item, event=dataclasses.replace(event, last_modified=stamp.changed_at, sequence=sequence)
            )
        )
    return stamped


def write_feed_file(directory: Path, name: str, body: bytes, changed_at: datetime) -> Path:
    """Write <name>.ics atomically when its bytes differ, and date the file by its last content change so a plain
    web server serving the folder sends the right Last-Modified."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.ics"
    if not path.exists() or path.read_bytes() != body:
        write_atomically(path, body)
    stamp = changed_at.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def public_snapshots(session: Session) -> list[FeedSnapshot]:
    return list(
        session.exec(
            select(FeedSnapshot).where(col(FeedSnapshot.public).is_(True)).order_by(col(FeedSnapshot.name))
        ).all()
    )


def _fingerprints(event: FeedEvent) -> tuple[str, str]:
    zone = str(getattr(event.start, "tzinfo", ""))
    schedule = (event.start.isoformat(), event.end.isoformat(), zone, event.status.value, event.location or "")
    content = (*schedule, event.summary, event.description or "", event.url or "", event.categories, event.busy)
    return _sha256(repr(content)), _sha256(repr(schedule))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
