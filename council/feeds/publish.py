"""Publishing: rebuild every feed, keep what did not change, store the bytes to be served.

Feeds are built when something is published or changed, never per request. Each event's DTSTAMP and SEQUENCE come
from its stored stamp (FeedItemStamp), each feed's Last-Modified from its snapshot (FeedSnapshot): both move only
when content changes, so rebuilding an unchanged plan gives the same bytes, the same ETag and the same date.

Two clocks. `now` is the cycle's time — simulated during `council simulate` — and dates what the calendar says
(DTSTAMP, LAST-MODIFIED of events). `wall_clock` is when the publish really happens, passed in by the entry point:
a snapshot's `changed_at` (HTTP Last-Modified, the files' mtime) is that real instant, so a simulated year never
dates a feed in the future and a later real change always gets a later date. A stored date that is ahead of the
wall clock (written before this rule) is brought back to it on the next publish.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePath

from sqlmodel import Session, col, select

from council.errors import InputError
from council.feeds.config import FeedConfig
from council.feeds.ical import PRODID, FeedEvent, build_feed
from council.feeds.selection import FeedItem, feed_definitions, feed_items, select_events
from council.feeds.source import load_directory, load_schedule
from council.files import DEFAULT_MODE, PUBLIC_MODE, ensure_mode, write_atomically
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
    wall_clock: datetime,
    base_url: str | None = None,
) -> PublishReport:
    """Rebuild every feed, store the snapshots and write `feeds_dir`/<name>.ics (default COUNCIL_HOME/feeds).

    `now` stamps the events (the cycle's clock, simulated in a simulation); `wall_clock` is the real time of this
    publish and becomes the Last-Modified of every feed whose bytes change. `base_url` overrides
    COUNCIL_PUBLIC_BASE_URL (where agenda links point when no documents base URL is set). Unchanged feeds keep their
    bytes, their file and their Last-Modified. The caller owns the commit.
    """
    if wall_clock.tzinfo is None:
        raise ValueError("wall_clock needs a time zone")
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
                changed_at=wall_clock,
                built_at=wall_clock,
            )
        elif changed:
            snapshot.body, snapshot.body_sha256, snapshot.changed_at = body, digest, wall_clock
        elif snapshot.changed_at > wall_clock:
            snapshot.changed_at = wall_clock  # dated in the future (a simulated clock, before wall_clock existed)
        snapshot.title, snapshot.public, snapshot.event_count, snapshot.built_at = (
            definition.spec.title,
            definition.public,
            len(events),
            wall_clock,
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


def write_feed_file(directory: Path, name: str, body: bytes, changed_at: datetime, *, mode: int = DEFAULT_MODE) -> Path:
    """Write <name>.ics atomically when its bytes differ, and date the file by its last content change so a plain
    web server serving the folder sends the right Last-Modified. Permissions: `mode` minus the umask, also for a
    file whose bytes were already right."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.ics"
    if not path.exists() or path.read_bytes() != body:
        write_atomically(path, body, mode=mode)
    else:
        ensure_mode(path, mode)
    stamp = changed_at.timestamp()
    os.utime(path, (stamp, stamp))
    return path


STATIC_MANIFEST = ".council-feeds.json"  # what `feeds build --out` wrote last time: name → SHA-256 of the bytes


@dataclass(frozen=True)
class StaticBuild:
    written: tuple[Path, ...]
    removed: tuple[Path, ...]


def write_static_feeds(
    directory: Path, snapshots: Sequence[FeedSnapshot], *, known_feeds: Collection[str]
) -> StaticBuild:
    """The public feeds as static files for any web server: `directory`/<name>.ics, 0644 under the usual umask,
    dated by their last change. Files of feeds this command wrote before and that are no longer public (made
    private, or gone) are removed — only those: a file is removed when it is listed in the folder's manifest with
    the hash of its current bytes (so a file someone replaced since stays), or, in a folder built before the
    manifest existed, when it is named after one of `known_feeds` and is one of our calendars (our PRODID).
    Nothing else in the folder is touched."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(directory)
    written = tuple(
        write_feed_file(directory, snapshot.name, snapshot.body, snapshot.changed_at, mode=PUBLIC_MODE)
        for snapshot in snapshots
    )
    current = {snapshot.name for snapshot in snapshots}
    if previous is not None:
        candidates: dict[str, str | None] = {name: digest for name, digest in previous.items() if name not in current}
    else:
        candidates = {name: None for name in sorted(known_feeds) if name not in current}
    removed: list[Path] = []
    for name, digest in sorted(candidates.items()):
        path = directory / f"{name}.ics"
        if not _safe_feed_name(name) or path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        ours = hashlib.sha256(data).hexdigest() == digest if digest is not None else _is_our_calendar(data)
        if ours:
            path.unlink()
            removed.append(path)
    manifest = {snapshot.name: snapshot.body_sha256 for snapshot in snapshots}
    write_atomically(
        directory / STATIC_MANIFEST,
        (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"),
        mode=PUBLIC_MODE,
    )
    return StaticBuild(written=written, removed=tuple(removed))


def _read_manifest(directory: Path) -> dict[str, str] | None:
    path = directory / STATIC_MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            "is not a manifest written by `council feeds build`: remove it, or build into another folder",
            file=str(path),
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in data.items()
    ):
        raise InputError("is not a manifest written by `council feeds build`", file=str(path))
    return data


def _safe_feed_name(name: str) -> bool:
    """A name that stays a plain file name in the folder (a manifest edited by hand must not reach elsewhere)."""
    return bool(name) and not name.startswith(".") and PurePath(name).name == name and "\\" not in name


def _is_our_calendar(data: bytes) -> bool:
    unfolded = data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    return unfolded.startswith(b"BEGIN:VCALENDAR") and f"\r\nPRODID:{PRODID}\r\n".encode() in unfolded


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
