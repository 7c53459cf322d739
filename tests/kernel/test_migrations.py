"""Migrations: alembic creates the kernel's tables (and a service's own) when asked, never on start."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from shared.app import ServiceApp
from shared.db import engine_for, kernel_metadata
from shared.eventstore import EventStore, NewEvent
from shared.migrate import upgrade
from shared.testing import metric, poll_until
from tests.kernel import toy

SERVICE_MIGRATION = '''"""toybank read models.

Revision ID: toybank_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "toybank_0001"
down_revision = None
branch_labels = ("toybank",)
depends_on = "kernel_0001"


def upgrade():
    op.create_table(
        "balances",
        sa.Column("account", sa.String(50), primary_key=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("deposits", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("balances")
'''


def tables(url):
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            heads = (set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
                     if "alembic_version" in names else set())
        return names, heads
    finally:
        engine.dispose()


def test_migrate_creates_the_kernel_tables_as_the_kernel_defines_them_and_can_run_again(db_url, open_db):
    app = ServiceApp("toymigrated", None)
    upgrade(app, db_url)
    upgrade(app, db_url)  # already at head: nothing to do, no error

    assert tables(db_url) == ({"events", "cursors", "inbox", "idempotency_keys", "parked_streams",
                               "parked_events", "timers", "personal_keys", "alembic_version"},
                              {"kernel_0006"})
    db = open_db(db_url)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), kernel_metadata) == []
    store = EventStore("toymigrated")
    with db.write() as conn:
        store.append(conn, "account-a", 0, [NewEvent(toy.Deposited, {
            "account": "a", "amount": 1, "balance": 1, "currency": "EUR"})])
    with db.read() as conn:
        assert store.head(conn) == 1


def test_migrate_applies_the_service_migrations_with_the_kernel_ones(db_url, tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "toybank_0001_read_models.py").write_text(SERVICE_MIGRATION)

    upgrade(ServiceApp("toybank", migrations), db_url)

    # The service's migration depends on kernel_0001, so the kernel's later revisions are a
    # head of their own: alembic records both, and `upgrade heads` brought both up.
    assert tables(db_url) == ({"events", "cursors", "inbox", "idempotency_keys", "parked_streams",
                               "parked_events", "timers", "personal_keys", "balances", "alembic_version"},
                              {"toybank_0001", "kernel_0006"})


def test_starting_a_service_does_not_migrate_its_database(db_url, kernel_config, start_service):
    errors_before = metric("salon_relay_errors_total", service="toybank")

    start_service(toy.ToyBank, kernel_config(DATABASE_URL=db_url))
    # The relay has run against the database (and found no tables to work with).
    poll_until(lambda: metric("salon_relay_errors_total", service="toybank") > errors_before,
               what="relay tried the database")

    assert tables(db_url) == (set(), set())
