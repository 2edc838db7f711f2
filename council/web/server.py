"""How `council serve` runs the app: uvicorn with limits for slow or hostile clients, and an access log without
query strings.

uvicorn has a keep-alive timeout and a concurrency limit, but no timeout for reading a request: a client that opens
a connection and sends half a request line is held forever (1,000 such connections were, and more would exhaust the
server's file descriptors). `GuardedHttpToolsProtocol` adds, on top of uvicorn's httptools protocol:

- a **header timeout**: the request line and headers must arrive within `header_timeout` seconds of the connection
  opening (or of the first byte of the next request on a kept-alive connection), else 408 and the connection closes;
- a **head size limit** (`max_head_bytes`): a request head that grows beyond it gets 431 and is closed;
- a **connection limit** (`max_connections`): a connection beyond it gets 503 and is closed at once, so held
  connections cannot pile up (and requests in flight are bounded too: one per connection).

Between requests uvicorn's `timeout_keep_alive` closes idle connections. This is a first line of defence for a
server on an internal network; on the internet, put a reverse proxy in front (README, "Serving the feeds").

Access log: uvicorn logs the path with its query string, and private feeds take their token there (`?token=`, or
`?%74oken=` — the same parameter once percent-decoded). `DropQueryStrings` removes every query string from access
log records before any handler sees them: nothing to decode, nothing to miss.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE_TIMEOUT = 5
DEFAULT_MAX_CONNECTIONS = 512
DEFAULT_MAX_HEAD_BYTES = 16 * 1024


@dataclass(frozen=True)
class ServerLimits:
    header_timeout: float = DEFAULT_HEADER_TIMEOUT  # seconds to receive a request line and its headers
    keep_alive_timeout: int = DEFAULT_KEEP_ALIVE_TIMEOUT  # seconds an idle kept-alive connection stays open
    max_connections: int = DEFAULT_MAX_CONNECTIONS  # open connections at most; beyond, 503 and closed
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES  # request line and headers at most

    def __post_init__(self) -> None:
        if self.header_timeout <= 0 or self.keep_alive_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.max_connections < 1 or self.max_head_bytes < 1024:
            raise ValueError("max_connections must be at least 1 and max_head_bytes at least 1024")


def _plain_response(status: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


REQUEST_TIMEOUT = _plain_response(b"408 Request Timeout")
HEAD_TOO_LARGE = _plain_response(b"431 Request Header Fields Too Large")
TOO_MANY_CONNECTIONS = _plain_response(b"503 Service Unavailable")

logger = logging.getLogger("uvicorn.error")


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout, a head size limit and a connection limit."""

    limits: ServerLimits = ServerLimits()

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    # -- connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            logger.warning("connection limit (%d) reached: refusing a connection", self.limits.max_connections)
            self._refuse(TOO_MANY_CONNECTIONS)
            return
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self._idle():
            self._start_head_timer()  # the first bytes of the next request on a kept-alive connection
        if self._head_timer is not None:
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                self._refuse(HEAD_TOO_LARGE if self._idle() else None)
                return
        super().data_received(data)

    # -- parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._start_head_timer()  # a pipelined request

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    # -- helpers
    def _idle(self) -> bool:
        """No response is being written on this connection (so one of ours cannot interleave with it)."""
        return self.cycle is None or self.cycle.response_complete

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        self._refuse(REQUEST_TIMEOUT if self._idle() else None)

    def _refuse(self, response: bytes | None) -> None:
        self._stop_head_timer()
        if self.transport.is_closing():
            return
        if response is not None:
            self.transport.write(response)
        self.transport.close()


def guarded_protocol(limits: ServerLimits) -> type[GuardedHttpToolsProtocol]:
    """The protocol class uvicorn instantiates per connection, with `limits` built in."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})


class DropQueryStrings(logging.Filter):
    """Remove the query string from uvicorn's access log records (args: client, method, path?query, version,
    status). A path never holds a literal '?' there: uvicorn percent-quotes the path before adding the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(arg.split("?", 1)[0] if isinstance(arg, str) else arg for arg in record.args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with `DropQueryStrings` on the access logger and its handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["drop_query_strings"] = {"()": f"{__name__}.DropQueryStrings"}
    config["handlers"]["access"]["filters"] = ["drop_query_strings"]
    config["loggers"]["uvicorn.access"]["filters"] = ["drop_query_strings"]
    return config


def server_config(app: Any, *, host: str, port: int, limits: ServerLimits, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration of `council serve`. The app sets its own Date header (so Last-Modified can be
    checked against it), hence `date_header=False`; no WebSocket upgrades; proxy headers only from the loopback."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(limits),
        ws="none",
        lifespan="off",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        date_header=False,
        timeout_keep_alive=limits.keep_alive_timeout,
        log_config=log_config(),
        **options,
    )
