"""The HTTP app: calendar feeds and their subscribe page (`council serve`)."""

from council.web.app import create_app
from council.web.server import ServerLimits, server_config

__all__ = ["ServerLimits", "create_app", "server_config"]
