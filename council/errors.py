"""The one error type for people: what they did wrong, where, in one line."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a person or a file, located as precisely as we can.

    Rendered as ``file: sheet S, row R, column C: message`` (parts that are unknown are left out), e.g.
    ``answers.xlsx: sheet 施策の連携, row 12, column 緊急性: "至急" is not one of 高/中/低``.
    The CLI prints it on stderr and exits non-zero; nothing was written when it is raised.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.field = field
        self.line = line
        super().__init__(self.render())

    def render(self) -> str:
        places: list[str] = []
        if self.sheet is not None:
            places.append(f"sheet {self.sheet}")
        if self.line is not None:
            places.append(f"line {self.line}")
        if self.row is not None:
            places.append(f"row {self.row}")
        if self.field is not None:
            places.append(f"field {self.field}" if self.sheet is None else f"column {self.field}")
        location = ", ".join(places)
        prefix = self.file or ""
        if prefix and location:
            prefix = f"{prefix}: {location}"
        elif location:
            prefix = location
        return f"{prefix}: {self.message}" if prefix else self.message


class TransientError(Exception):
    """Not done yet, worth trying again shortly: a delivery another run is sending right now, a relay saying "later".
    Flows' tasks retry it; the CLI's steps too (council.context.run_directly)."""


class NotFoundError(InputError):
    """A fiscal year, meeting, task or organisation that the user named does not exist."""


class PlanningError(InputError):
    """The rules and pins cannot be satisfied; the message says which rule and which date."""
