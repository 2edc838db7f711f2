"""Who a regional body's meeting belongs to: its body, and the regional office that convenes it (and signs its
letters). The contacts it is for are resolved with every other audience in council.delivery.recipients."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from council.documents.office import ContactInfo, OfficeConfig
from models import Meeting, Organization, RegionalBody


def body_of(session: Session, meeting: Meeting) -> RegionalBody | None:
    return session.get(RegionalBody, meeting.regional_body_id) if meeting.regional_body_id is not None else None


def convener_of(session: Session, meeting: Meeting) -> Organization | None:
    """The regional office that convenes a regional body's meeting; None when the secretariat convenes it."""
    body = body_of(session, meeting)
    return session.get(Organization, body.convener_id) if body is not None else None


def letterhead_office(office: OfficeConfig, body: RegionalBody | None) -> OfficeConfig:
    """The letterhead of a meeting's letters: a regional body's are signed by its convening office (the sender and
    the contact block of its own reference data); the others by the secretariat (reference/office.yaml)."""
    if body is None:
        return office
    return replace(
        office,
        senders=dict.fromkeys(office.senders, body.sender),
        contact=ContactInfo(unit=body.contact_unit, team="", person="", phone="", email=""),
    )
