"""The members service as the kernel sees it."""

from pathlib import Path

from shared.app import ServiceApp

from .package_views import Packages
from .projections import CareNotes, Complaints, Coupons, Members, Points, Segments, StoredValue, Tiers
from .seed import seed

APP = ServiceApp(
    "members",
    Path(__file__).parent / "migrations",
    projections=(
        Members(),
        Points(),
        StoredValue(),
        Packages(),
        Coupons(),
        Tiers(),
        Segments(),
        CareNotes(),
        Complaints(),
    ),
    seed=seed,
)
