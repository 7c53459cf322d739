"""What a service tells the kernel about itself: its name, projections and seed data.

A service's ``app.py`` builds one ``ServiceApp``; the nameko service class, the
``manage`` command (migrate, seed, rebuild) and the tests all start from it.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.projections import Projection


@dataclass(frozen=True)
class ServiceApp:
    name: str
    migrations: Path | None  # the service's own alembic versions; None: kernel tables only
    projections: tuple[Projection, ...] = ()
    seed: Callable | None = field(default=None, compare=False)

    def projection(self, name: str) -> Projection:
        for projection in self.projections:
            if projection.name == name:
                return projection
        known = ", ".join(p.name for p in self.projections) or "none"
        raise KeyError(f"{self.name} has no projection {name!r} (known: {known})")
