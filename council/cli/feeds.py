"""`council serve` and `council feeds …`: publish, build static files, and manage private-feed tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlmodel import Session

from council.cli.common import OutputFormat, cli_context, fail, print_json, user_errors
from council.context import Context
from council.feeds.publish import PublishReport, public_snapshots, publish_feeds, write_static_feeds
from council.feeds.tokens import create_token, feed_url, list_tokens, revoke_token
from council.web import ServerLimits, create_app, server_config
from council.web.server import DEFAULT_HEADER_TIMEOUT, DEFAULT_KEEP_ALIVE_TIMEOUT, DEFAULT_MAX_CONNECTIONS

LOCAL_BASE_URL = "http://127.0.0.1:8000"

feeds_app = typer.Typer(
    help="Calendar feeds (.ics): publish, build static files, private-feed tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="Tokens that open a private feed to one subscriber.", no_args_is_help=True)
feeds_app.add_typer(token_app, name="token")

BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="Public base URL of the server (default: COUNCIL_PUBLIC_BASE_URL)."),
]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    refresh: Annotated[float, typer.Option(help="Seconds between checks for newly published feeds.")] = 2.0,
    header_timeout: Annotated[
        float,
        typer.Option(
            envvar="COUNCIL_SERVE_HEADER_TIMEOUT",
            help="Seconds a client has to send its request line and headers (then 408 and closed).",
        ),
    ] = DEFAULT_HEADER_TIMEOUT,
    keep_alive_timeout: Annotated[
        int,
        typer.Option(
            envvar="COUNCIL_SERVE_KEEP_ALIVE_TIMEOUT", help="Seconds an idle kept-alive connection stays open."
        ),
    ] = DEFAULT_KEEP_ALIVE_TIMEOUT,
    max_connections: Annotated[
        int,
        typer.Option(envvar="COUNCIL_SERVE_MAX_CONNECTIONS", help="Open connections at most (beyond: 503 and closed)."),
    ] = DEFAULT_MAX_CONNECTIONS,
) -> None:
    """Serve the published feeds and the subscribe page (GET /feeds/) with uvicorn, with limits for slow clients."""
    for option, variable, value in (
        ("--header-timeout", "COUNCIL_SERVE_HEADER_TIMEOUT", header_timeout),
        ("--keep-alive-timeout", "COUNCIL_SERVE_KEEP_ALIVE_TIMEOUT", keep_alive_timeout),
        ("--max-connections", "COUNCIL_SERVE_MAX_CONNECTIONS", max_connections),
    ):
        if value <= 0:
            fail(f"{option} ({variable}) must be positive, not {value}")
    limits = ServerLimits(
        header_timeout=header_timeout, keep_alive_timeout=keep_alive_timeout, max_connections=max_connections
    )
    with user_errors():
        ctx = cli_context()
        app = create_app(ctx.engine, config=ctx.settings.feeds, refresh_seconds=refresh)
    uvicorn.Server(server_config(app, host=host, port=port, limits=limits)).run()


def _publish(ctx: Context, session: Session, base_url: str | None) -> PublishReport:
    return publish_feeds(
        session,
        today=ctx.clock.today,
        now=ctx.clock.now,
        config=ctx.settings.feeds,
        feeds_dir=ctx.settings.feeds_dir,
        wall_clock=ctx.clock.real,
        base_url=base_url,
    )


def _print_report(report: PublishReport) -> None:
    typer.echo(report.summary())
    for feed in report.feeds:
        if feed.changed:
            typer.echo(f"  changed: {feed.name} ({feed.events} events)")
    for name in report.removed:
        typer.echo(f"  removed: {name}")


@feeds_app.command("publish")
def publish(base_url: BaseUrlOption = None) -> None:
    """Rebuild every feed into the database and COUNCIL_HOME/feeds (unchanged feeds keep bytes and dates)."""
    ctx = cli_context()
    with user_errors(), ctx.transaction() as session:
        report = _publish(ctx, session, base_url)
    _print_report(report)


@feeds_app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the public feeds to (DIR/council.ics …).")],
    base_url: BaseUrlOption = None,
) -> None:
    """Publish, then write the public feeds as static files for any web server (dated by their last change, 0644
    under the usual umask); files this command wrote for feeds that are no longer public are removed."""
    ctx = cli_context()
    with user_errors(), ctx.transaction() as session:
        report = _publish(ctx, session, base_url)
        known = {feed.name for feed in report.feeds} | set(report.removed)
        static = write_static_feeds(out, public_snapshots(session), known_feeds=known)
    _print_report(report)
    for path in static.written:
        typer.echo(f"wrote {path}")
    for path in static.removed:
        typer.echo(f"removed {path} (no longer public)")


@token_app.command("create")
def token_create(
    feed: Annotated[str, typer.Option("--feed", help="Private feed name, e.g. org-062014 or secretariat.")],
    label: Annotated[str, typer.Option("--label", help="Who the token is for (shown in `token list`).")],
    base_url: BaseUrlOption = None,
) -> None:
    """Create a token and print the subscription URL — once: only its hash is kept."""
    ctx = cli_context()
    config = ctx.settings.feeds
    with user_errors(), ctx.transaction() as session:
        issued = create_token(session, feed=feed, label=label, now=ctx.clock.now, config=config, actor=ctx.actor)
    base = base_url or config.public_base_url or LOCAL_BASE_URL
    typer.echo(f"token {issued.token.id} for {feed} ({issued.token.label}). The URL is shown only now:")
    typer.echo(feed_url(base, feed, issued.secret))


@token_app.command("list")
def token_list(output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text) -> None:
    """List tokens (never the tokens themselves: they are not stored)."""
    with cli_context().transaction() as session:
        tokens = list_tokens(session)
    rows = [
        {
            "id": token.id,
            "feed": token.feed,
            "label": token.label,
            "created_at": token.created_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token in tokens
    ]
    if output is OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no feed tokens")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        typer.echo(f"{row['id']}\t{row['feed']}\t{row['label']}\tcreated {row['created_at']}\t{state}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID", help="Token id from `token list`.")]) -> None:
    """Revoke a token: its URL gets 404 from the next refresh of the server (a few seconds)."""
    ctx = cli_context()
    with user_errors(), ctx.transaction() as session:
        token = revoke_token(session, token_id=token_id, now=ctx.clock.now, actor=ctx.actor)
    revoked = token.revoked_at.isoformat() if token.revoked_at else "?"
    typer.echo(f"token {token.id} for {token.feed} ({token.label}) revoked at {revoked}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(feeds_app, name="feeds")
