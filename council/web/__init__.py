"""The HTTP app: calendar feeds and their subscribe page (`council serve`)."""

from council.web.app import create_app, redact_tokens_in_access_log

__all__ = ["create_app", "redact_tokens_in_access_log"]
