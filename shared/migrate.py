"""Schema migrations with alembic: the kernel's tables plus the service's own.

One alembic environment (``shared/migrations``) serves every service; the version
locations are the kernel's and the service's, so ``upgrade heads`` brings both up.
Migrations run when asked (``manage migrate``, ``make run``), never on service start.
After them, a projection without a cursor (new, or whose tables a migration replaced) is
replayed from the event store, so a new read model starts with the whole history.
"""
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from shared.app import ServiceApp
from shared.config import ROOT
from shared.db import Database, cursors
from shared.eventstore import EventStore
from shared.projections import cursor_name, rebuild


def alembic_config(app: ServiceApp, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "shared" / "migrations"))
    locations = [ROOT / "shared" / "migrations" / "versions"]
    if app.migrations is not None:
        locations.append(app.migrations)
    config.set_main_option("version_locations", " ".join(str(path) for path in locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app: ServiceApp, url: str) -> list[str]:
    """Migrate; returns the projections that were then filled from the event store."""
    command.upgrade(alembic_config(app, url), "heads")
    return fill_new_projections(app, url)


def fill_new_projections(app: ServiceApp, url: str) -> list[str]:
    db = Database(url)
    store = EventStore(app.name)
    try:
        with db.read() as conn:
            known = set(conn.execute(select(cursors.c.name)).scalars())
            if not store.head(conn):
                return []
        missing = [p for p in app.projections if cursor_name(p) not in known]
        for projection in missing:
            rebuild(db, store, projection)
        return [p.name for p in missing]
    finally:
        db.dispose()
