"""What every document is made with: where its files go, the letterhead, the wording and the office's business days.
Built once per entry point from the settings (the files are read again only when they change)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from council.config import Settings
from council.documents.office import OfficeConfig, load_office
from council.documents.texts import TEXTS_FILE, DocumentTexts, load_texts
from council.planning.business_days import BusinessCalendar
from council.planning.rules import cycle_rules
from council.yamlfile import reloading


@dataclass(frozen=True)
class Stationery:
    home: Path  # COUNCIL_HOME: versions' directories are relative to it
    office: OfficeConfig
    texts: DocumentTexts
    calendar: BusinessCalendar


office_at = reloading(load_office)
texts_at = reloading(load_texts)


def stationery_for(settings: Settings) -> Stationery:
    """The settings' office file, wording and cycle calendar (each read once per version of its file)."""
    return Stationery(
        home=settings.home,
        office=office_at(settings.office_file),
        texts=texts_at(settings.reference_file(TEXTS_FILE)),
        calendar=cycle_rules(settings.cycle_file).business_calendar(),
    )
