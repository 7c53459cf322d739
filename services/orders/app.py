"""The orders service as the kernel sees it."""

from pathlib import Path

from shared.app import ServiceApp

from . import demo
from .projections import Orders, TillSettingsView

APP = ServiceApp(
    "orders",
    Path(__file__).parent / "migrations",
    projections=(Orders(), TillSettingsView()),
    seed=demo.seed,
)
