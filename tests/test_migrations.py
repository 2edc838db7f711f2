"""The migrated schema is exactly the models' schema, on SQLite and on PostgreSQL, and upgrading is repeatable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.db import upgrade_to_head


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_every_model_table_exists_with_its_check_constraints(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    assert set(SQLModel.metadata.tables) <= set(inspector.get_table_names())
    names = {constraint["name"] for constraint in inspector.get_check_constraints("organization")}
    assert {"ck_organization_municipality_code", "ck_organization_kind"} <= names


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade_to_head(engine)
    upgrade_to_head(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0005_bodies"


@pytest.mark.parametrize(
    ("code", "accepted"),
    [("062014", True), ("062015", False), ("06201x", False), ("62014", False), ("0620140", False)],
)
def test_schema_checks_the_municipality_check_digit(engine: Engine, code: str, accepted: bool) -> None:
    statement = sa.text(
        "INSERT INTO organization (code, kind, name, sort_order, active) VALUES (:code, 'municipality', 'x', 0, true)"
    )
    if accepted:
        with engine.begin() as connection:
            connection.execute(statement, {"code": code})
    else:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(statement, {"code": code})


def test_schema_rejects_a_value_outside_an_enum(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organization (code, kind, name, sort_order, active) VALUES ('x', 'club', 'x', 0, true)"
            )
        )
