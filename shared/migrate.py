"""Schema migrations with alembic: the kernel's tables plus the service's own.

One alembic environment (``shared/migrations``) serves every service; the version
locations are the kernel's and the service's, so ``upgrade heads`` brings both up.
Migrations run when asked (``manage migrate``, ``make run``), never on service start.
"""
from alembic import command
from alembic.config import Config

from shared.app import ServiceApp
from shared.config import ROOT


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


def upgrade(app: ServiceApp, url: str) -> None:
    command.upgrade(alembic_config(app, url), "heads")
