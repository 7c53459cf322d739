"""The inventory service as the kernel sees it."""

from pathlib import Path

from shared.app import ServiceApp

from .seed import seed
from .views import Catalogue, Purchasing, Recipes, Stock, Stocktakes, Transfers

APP = ServiceApp(
    "inventory",
    Path(__file__).parent / "migrations",
    projections=(Catalogue(), Stock(), Recipes(), Transfers(), Purchasing(), Stocktakes()),
    seed=seed,
)
