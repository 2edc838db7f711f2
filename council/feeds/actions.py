"""Publishing the calendar feeds: the use case a flow, the CLI and every change that moves a date call."""

from __future__ import annotations

from dataclasses import dataclass

from council.context import Context
from council.feeds.publish import publish_feeds


@dataclass(frozen=True)
class FeedsReport:
    feeds: int
    changed: tuple[str, ...]


def publish_feeds_step(ctx: Context) -> FeedsReport:
    """Rebuild every feed (stored snapshots and the files under COUNCIL_HOME/feeds); unchanged ones keep their bytes."""
    with ctx.transaction() as session:
        report = publish_feeds(
            session,
            today=ctx.clock.today,
            now=ctx.clock.now,
            config=ctx.settings.feeds,
            feeds_dir=ctx.settings.feeds_dir,
            wall_clock=ctx.clock.real,
        )
    return FeedsReport(feeds=len(report.feeds), changed=report.changed)
