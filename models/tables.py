"""Every table module, imported for its side effect: a complete `SQLModel.metadata` (migrations, schema checks)."""

from models import audit, cycle, documents, feeds, orchestration, organizations, survey, themes

__all__ = ["audit", "cycle", "documents", "feeds", "orchestration", "organizations", "survey", "themes"]
