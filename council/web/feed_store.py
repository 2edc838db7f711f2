"""The served copy of the published feeds: precomputed bytes in memory, refreshed from the database at most every
`refresh_seconds` (publishing happens in other processes), so a request costs a dictionary lookup, not a build."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from council.feeds.publish import etag_of
from models import FeedSnapshot, FeedToken

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedFeed:
    name: str
    title: str
    public: bool
    body: bytes
    body_sha256: str
    event_count: int
    last_modified: datetime  # whole seconds, UTC: HTTP dates have no fractions
    token_hashes: tuple[str, ...] = ()

    @property
    def etag(self) -> str:
        return etag_of(self.body_sha256)

    @property
    def last_modified_http(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)


class FeedStore:
    def __init__(
        self, engine: Engine, *, refresh_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._feeds: Mapping[str, ServedFeed] = {}
        self._checked_at: float | None = None
        self._lock = threading.Lock()

    def due(self) -> bool:
        return self._checked_at is None or self._clock() - self._checked_at >= self._refresh_seconds

    def feeds(self) -> Mapping[str, ServedFeed]:
        return self._feeds

    def refresh(self) -> None:
        """Reload what changed: bodies only for feeds whose hash moved; tokens always (revocation is immediate
        on the next refresh)."""
        if not self._lock.acquire(blocking=False):
            return  # another thread is refreshing; serve the current copy meanwhile
        started = self._clock()
        try:
            self._reload(started)
        except SQLAlchemyError:
            if self._checked_at is None:
                raise  # nothing to serve yet
            # Keep serving what was loaded; the database is asked again after the next interval.
            logger.warning("feed refresh failed; serving the copy from the last refresh", exc_info=True)
            self._checked_at = started
        finally:
            self._lock.release()

    def _reload(self, started: float) -> None:
        current = self._feeds
        with Session(self._engine) as session:
            rows = session.exec(select(FeedSnapshot).options(defer(FeedSnapshot.body))).all()  # type: ignore[arg-type]
            stale = [
                row.name for row in rows if row.name not in current or current[row.name].body_sha256 != row.body_sha256
            ]
            # Stale feeds are read again whole, so body, hash and date come from one row version.
            reread: dict[str, FeedSnapshot] = {}
            if stale:
                reread = {
                    row.name: row
                    for row in session.exec(select(FeedSnapshot).where(col(FeedSnapshot.name).in_(stale))).all()
                }
            tokens: dict[str, list[str]] = {}
            for feed, digest in session.exec(
                select(FeedToken.feed, FeedToken.token_sha256).where(col(FeedToken.revoked_at).is_(None))
            ).all():
                tokens.setdefault(feed, []).append(digest)
        fresh: dict[str, ServedFeed] = {}
        for row in rows:
            if row.name in current and row.name not in stale:
                fresh[row.name] = replace(
                    current[row.name],
                    title=row.title,
                    public=row.public,
                    event_count=row.event_count,
                    token_hashes=tuple(tokens.get(row.name, ())),
                )
                continue
            whole = reread.get(row.name)
            if whole is None:
                continue  # removed between the two reads
            fresh[row.name] = ServedFeed(
                name=whole.name,
                title=whole.title,
                public=whole.public,
                body=bytes(whole.body),
                body_sha256=whole.body_sha256,
                event_count=whole.event_count,
                last_modified=whole.changed_at.astimezone(UTC).replace(microsecond=0),
                token_hashes=tuple(tokens.get(row.name, ())),
            )
        self._feeds = fresh
        self._checked_at = started
