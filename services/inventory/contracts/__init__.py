"""Events the inventory service publishes, one module per concept: HQ's catalogue
(``catalogue``), each store's stock with its movements, levels and alerts (``stock``), and
services' recipes (``recipes``)."""

from .catalogue import ProductChanged, ProductDefined, StorePriceSet
from .recipes import RecipeRemoved, RecipeSet
from .stock import (
    MOVEMENTS,
    StockAdjusted,
    StockConsumed,
    StockLevelsSet,
    StockLow,
    StockPolicySet,
    StockReceived,
    StockRestored,
    StockReturned,
    StockScrapped,
    StockSold,
)

__all__ = [
    "MOVEMENTS",
    "ProductChanged",
    "ProductDefined",
    "RecipeRemoved",
    "RecipeSet",
    "StockAdjusted",
    "StockConsumed",
    "StockLevelsSet",
    "StockLow",
    "StockPolicySet",
    "StockReceived",
    "StockRestored",
    "StockReturned",
    "StockScrapped",
    "StockSold",
    "StorePriceSet",
]
