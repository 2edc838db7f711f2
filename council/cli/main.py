"""`council` — the secretariat's command line.

Every command that a user can get wrong reports an InputError as one line on stderr with exit code 2, and has
changed nothing by then (each command is one transaction).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from council.cli import (
    bodies,
    cases,
    delivery,
    documents,
    feeds,
    meetings,
    orchestration,
    planning,
    setup,
    survey,
    teams,
    themes,
)
from council.errors import InputError


class CouncilGroup(TyperGroup):
    """The root group: turns an InputError raised anywhere below into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except InputError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from None


app = typer.Typer(
    cls=CouncilGroup,
    help="council-cycle: plan, document and track the yearly cycle of the 県・市町村連携推進会議.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """council-cycle — see `council COMMAND --help`. Configuration: COUNCIL_HOME, COUNCIL_DATABASE_URL (README)."""


# Command families live in their own modules; each exposes `register(app)`. Add new families to this tuple.
for _module in (
    setup,
    planning,
    meetings,
    delivery,
    documents,
    feeds,
    survey,
    themes,
    bodies,
    teams,
    cases,
    orchestration,
):
    _module.register(app)


if __name__ == "__main__":
    app()
