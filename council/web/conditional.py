"""HTTP conditional requests (RFC 9110 §13): a wrong 304 freezes a client's copy, so this is kept small and
tested on its own. If-None-Match takes precedence; If-Modified-Since is only looked at when it is absent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 prescribes for If-None-Match."""
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == ours for candidate in if_none_match.split(","))


def not_modified(headers: Mapping[str, str], *, etag: str, last_modified: datetime, now: datetime) -> bool:
    """Whether a GET/HEAD with these request headers can be answered 304. `last_modified` in whole seconds and never
    after `now`, the response's Date.

    An If-Modified-Since later than `now` is ignored, as if absent (RFC 2616 §14.25 calls it invalid): it can only
    come from a date we once served ahead of the clock, and honouring it would answer 304 to content changed since.
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an unparsable date is ignored, as if absent
    if since.tzinfo is None or since > now:
        return False
    return last_modified <= since
