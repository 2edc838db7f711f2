"""Every table module, imported for its side effect: a complete `SQLModel.metadata` (migrations, schema checks)."""

from models import audit, bodies, cases, cycle, documents, feeds, orchestration, organizations, survey, teams, themes

__all__ = [
    "audit",
    "bodies",
    "cases",
    "cycle",
    "documents",
    "feeds",
    "orchestration",
    "organizations",
    "survey",
    "teams",
    "themes",
]
