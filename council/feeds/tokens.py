"""Subscription tokens for private feeds: one per subscriber, random (256 bits), stored only as a SHA-256 hash,
revocable, and checked in constant time. A wrong, missing or revoked token is indistinguishable from a feed that
does not exist (404)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from sqlmodel import Session, col, select

from council.audit import record_change
from council.errors import InputError, NotFoundError
from council.feeds.config import FeedConfig
from council.feeds.selection import feed_definitions
from council.feeds.source import load_directory
from models import FeedToken

TOKEN_BYTES = 32  # 256 bits of randomness
MAX_LABEL = 200


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `secret` exists only here — the database keeps its hash."""

    token: FeedToken
    secret: str


def hash_token(secret: str) -> str:
    # A plain hash suffices: the secret is 256 random bits, so there is nothing to brute-force or look up.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_grants(secret: str | None, allowed_hashes: Iterable[str]) -> bool:
    """Whether `secret` is one of the allowed tokens; compares against every hash without stopping early."""
    if not secret:
        return False
    presented = hash_token(secret)
    granted = False
    for allowed in allowed_hashes:
        granted |= hmac.compare_digest(presented, allowed)
    return granted


def feed_url(base_url: str, feed: str, secret: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/feeds/{quote(feed)}.ics"
    return f"{url}?{urlencode({'token': secret})}" if secret else url


def private_feed_names(session: Session, config: FeedConfig) -> list[str]:
    return [d.name for d in feed_definitions(load_directory(session, config), config) if not d.public]


def create_token(
    session: Session, *, feed: str, label: str, now: datetime, config: FeedConfig, actor: str
) -> IssuedToken:
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise InputError(f"give a label of 1 to {MAX_LABEL} characters (who the token is for)", field="--label")
    definitions = {d.name: d for d in feed_definitions(load_directory(session, config), config)}
    definition = definitions.get(feed)
    if definition is None:
        known = ", ".join(sorted(name for name, d in definitions.items() if not d.public)[:8])
        raise NotFoundError(f"no feed named {feed!r} (private feeds: {known} …)", field="--feed")
    if definition.public:
        raise InputError(f"feed {feed!r} is public: subscribers need no token", field="--feed")
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = FeedToken(feed=feed, label=label, token_sha256=hash_token(secret), created_at=now)
    session.add(token)
    session.flush()
    record_change(
        session,
        action="feed_token.created",
        row=token,
        before=None,
        after={"feed": feed, "label": label},
        now=now,
        actor=actor,
        key=feed,
    )
    return IssuedToken(token=token, secret=secret)


def list_tokens(session: Session) -> Sequence[FeedToken]:
    return session.exec(select(FeedToken).order_by(col(FeedToken.id))).all()


def revoke_token(session: Session, *, token_id: int, now: datetime, actor: str) -> FeedToken:
    """Revoke a token (idempotent: revoking twice keeps the first revocation time)."""
    token = session.get(FeedToken, token_id)
    if token is None:
        raise NotFoundError(f"no feed token with id {token_id}", field="ID")
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        record_change(
            session,
            action="feed_token.revoked",
            row=token,
            before={"revoked_at": None},
            after={"revoked_at": now},
            now=now,
            actor=actor,
            key=token.feed,
        )
    return token
