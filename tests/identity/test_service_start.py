"""Start-up: the migrations make exactly the tables the code uses; no secret, no service."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.identity.service import IdentityService
from services.identity.tables import metadata
from shared.tokens import MissingSecret


def _table_of(difference) -> str:
    """The table an alembic difference is about (its shapes vary by kind)."""
    if isinstance(difference, list):  # modify_* come as a list of tuples about one column
        difference = difference[0]
    kind, subject = difference[0], difference[1]
    if kind.endswith("_table"):
        return subject.name
    if kind.endswith(("_index", "_constraint", "_fk")):
        return subject.table.name
    return difference[2]  # add_column / remove_column: (kind, schema, table, column)


def test_the_migration_creates_the_tables_as_the_code_defines_them(database):
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    # The kernel's tables are not in this metadata, so they show up as extra; ours must match.
    assert [d for d in differences if _table_of(d) in metadata.tables] == []
    assert any(_table_of(d) == "events" for d in differences)  # the comparison did look


def test_the_service_refuses_to_start_without_an_auth_secret(identity_config, runner_factory,
                                                              monkeypatch):
    monkeypatch.setenv("AUTH_SECRET", "too short")
    runner = runner_factory(identity_config, IdentityService)
    with pytest.raises(MissingSecret, match="AUTH_SECRET"):
        runner.start()
