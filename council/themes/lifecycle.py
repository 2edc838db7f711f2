"""The theme lifecycle, as data: which statuses follow which, what each meeting and stage moves, and which themes an
agenda item lists. Everything that moves a theme reads it from here.

candidate → adopted (1st council meeting) → under_study (the working-group stage starts) → reported (roundtable) →
budgeted (by the secretariat, where a budget line was appropriated) → decided 新規/充実 (2nd council meeting, as next
year's initiative). Any open theme can be deferred to a later year or dropped; a deferred theme comes back as a
candidate in that year. A 幹事会 moves nothing: it endorses the themes the council meeting it prepares will move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from models.enums import DecisionOutcome, MeetingKind, ThemeStatus

_OPEN_EXITS = (ThemeStatus.deferred, ThemeStatus.dropped)
TRANSITIONS: Mapping[ThemeStatus, tuple[ThemeStatus, ...]] = {
    ThemeStatus.candidate: (ThemeStatus.adopted, *_OPEN_EXITS),
    ThemeStatus.adopted: (ThemeStatus.under_study, *_OPEN_EXITS),
    ThemeStatus.under_study: (ThemeStatus.reported, *_OPEN_EXITS),
    ThemeStatus.reported: (ThemeStatus.budgeted, ThemeStatus.decided, *_OPEN_EXITS),
    ThemeStatus.budgeted: (ThemeStatus.decided, *_OPEN_EXITS),
    ThemeStatus.decided: (),
    ThemeStatus.deferred: (ThemeStatus.candidate, ThemeStatus.dropped),
    ThemeStatus.dropped: (),
}


class ThemeSelection(StrEnum):
    """Which themes of the fiscal year an agenda item lists (reference/documents.yaml names them)."""

    new_candidates = "new_candidates"  # what the 1st meeting adopts
    in_progress = "in_progress"  # what the roundtable hears about
    next_year_initiatives = "next_year_initiatives"  # what the 2nd meeting decides
    next_year_candidates = "next_year_candidates"  # candidates for next year and themes deferred to it


@dataclass(frozen=True)
class ThemeMove:
    """Themes of the year in one of `sources` end in `target` (each step allowed by TRANSITIONS), recorded as
    `outcome`; agendas list them under the item that shows `selection`."""

    sources: tuple[ThemeStatus, ...]
    target: ThemeStatus
    outcome: DecisionOutcome
    selection: ThemeSelection


ADOPT = ThemeMove((ThemeStatus.candidate,), ThemeStatus.adopted, DecisionOutcome.adopted, ThemeSelection.new_candidates)
REPORT = ThemeMove(  # a theme whose working team has filed its 検討結果 is already reported: it is heard too
    (ThemeStatus.adopted, ThemeStatus.under_study, ThemeStatus.reported),
    ThemeStatus.reported,
    DecisionOutcome.reported,
    ThemeSelection.in_progress,
)
DECIDE = ThemeMove(
    (ThemeStatus.reported, ThemeStatus.budgeted),
    ThemeStatus.decided,
    DecisionOutcome.decided,
    ThemeSelection.next_year_initiatives,
)

# What each meeting decides by default, keyed by (kind, number); number None matches any number of the kind.
MEETING_MOVES: Mapping[tuple[MeetingKind, int | None], ThemeMove] = {
    (MeetingKind.council_meeting, 1): ADOPT,
    (MeetingKind.roundtable, None): REPORT,
    (MeetingKind.council_meeting, 2): DECIDE,
}
# What a stage's start means by itself: the study period (Aug–Sep) starts for the adopted themes.
STAGE_MOVES: Mapping[str, tuple[ThemeStatus, ThemeStatus]] = {
    "working_groups": (ThemeStatus.adopted, ThemeStatus.under_study),
}

# The statuses an agenda item's selection lists, and whether they belong to this year or the next.
SELECTION_STATUSES: Mapping[ThemeSelection, frozenset[ThemeStatus]] = {
    ThemeSelection.new_candidates: frozenset(ADOPT.sources),
    ThemeSelection.in_progress: frozenset(REPORT.sources),
    ThemeSelection.next_year_initiatives: frozenset({*DECIDE.sources, ThemeStatus.decided}),
    ThemeSelection.next_year_candidates: frozenset({ThemeStatus.candidate, ThemeStatus.deferred}),
}


def meeting_move(kind: MeetingKind, number: int | None) -> ThemeMove | None:
    """The move a meeting of `kind` and `number` makes, if any (a 幹事会's is its council meeting's)."""
    return MEETING_MOVES.get((kind, number)) or MEETING_MOVES.get((kind, None))


def path_to(current: ThemeStatus, target: ThemeStatus) -> tuple[ThemeStatus, ...]:
    """The statuses to pass through from `current` to reach `target` (the shortest allowed path; () when none)."""
    frontier: list[tuple[ThemeStatus, ...]] = [(current,)]
    seen = {current}
    while frontier:
        path = frontier.pop(0)
        for following in TRANSITIONS[path[-1]]:
            if following == target:
                return (*path[1:], following)
            if following not in seen and following not in _OPEN_EXITS:
                seen.add(following)
                frontier.append((*path, following))
    return ()


def selects(
    selection: ThemeSelection, status: ThemeStatus, year: int, deferred_to: int | None, fiscal_year: int
) -> bool:
    """Whether an agenda item of `fiscal_year` showing `selection` lists a theme in `status`, in the plan of `year`
    (deferred to `deferred_to`)."""
    if selection == ThemeSelection.next_year_candidates:
        if status == ThemeStatus.candidate:
            return year in (fiscal_year, fiscal_year + 1)
        return status == ThemeStatus.deferred and deferred_to == fiscal_year + 1
    if status not in SELECTION_STATUSES[selection]:
        return False
    if selection == ThemeSelection.next_year_initiatives:
        return year in (fiscal_year, fiscal_year + 1)
    return year == fiscal_year
