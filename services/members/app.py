"""The members service as the kernel sees it."""

from pathlib import Path

from shared.app import ServiceApp

from .projections import CareNotes, Complaints, Coupons, Members, Points, Segments, StoredValue, Tiers

APP = ServiceApp(
    "members",
    Path(__file__).parent / "migrations",
    projections=(
        Members(),
        Points(),
        StoredValue(),
        Coupons(),
        Tiers(),
        Segments(),
        CareNotes(),
        Complaints(),
    ),
)
