"""A stocktake: a count session of a store's shelves, all of them or some categories.

A manager opens it; staff enter what they count, product by product (a product counted again
replaces its count), each beside what the books said at that moment; it is submitted, then a
manager approves it, and only then are the variances posted, or reopens it for a recount, or
cancels it. A store has one stocktake open at a time.

A variance is what was counted less what the books said when it was counted, and it is posted
as that difference on the stock as it stands at approval: a sale rung up between the count and
the approval stays booked, and is not undone by the count.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

OPEN, SUBMITTED, APPROVED, CANCELLED = "open", "submitted", "approved", "cancelled"
STATUSES = (OPEN, SUBMITTED, APPROVED, CANCELLED)
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Counted:
    product_id: str
    counted: int  # units on the shelf
    expected: int  # units the books held when it was counted

    @property
    def variance(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class Stocktake:
    stocktake_id: str
    store_id: str
    categories: tuple[str, ...]  # () : every product
    status: str = OPEN

    def covers(self, category: str) -> bool:
        return not self.categories or category in self.categories


def _status(stocktake: Stocktake, *allowed: str) -> None:
    if stocktake.status not in allowed:
        raise Refused("status", f"stocktake {stocktake.stocktake_id} is {stocktake.status}")


def open_for(stocktake_id: str, store_id: str, categories: list[str], already_open: str | None) -> Stocktake:
    if already_open is not None:
        raise Refused("store_id", f"stocktake {already_open} is still open in this store: finish it first")
    if len(categories) > MAX_CATEGORIES:
        raise Refused("categories", f"at most {MAX_CATEGORIES} categories", conflict=False)
    if len(set(categories)) != len(categories):
        raise Refused("categories", "a category is named once", conflict=False)
    return Stocktake(stocktake_id, store_id, tuple(categories))


def count(stocktake: Stocktake, product_id: str, category: str, counted: int, expected: int) -> Counted:
    _status(stocktake, OPEN)
    if counted < 0:
        raise Refused("counted", "a count is zero or more", conflict=False)
    if not stocktake.covers(category):
        raise Refused(
            "category",
            f"this stocktake counts {', '.join(stocktake.categories)}, not {category}",
            conflict=False,
        )
    return Counted(product_id, counted, expected)


def submit(stocktake: Stocktake, counts: int) -> Stocktake:
    _status(stocktake, OPEN)
    if not counts:
        raise Refused("counts", "nothing has been counted yet")
    return replace(stocktake, status=SUBMITTED)


def reopen(stocktake: Stocktake) -> Stocktake:
    _status(stocktake, SUBMITTED)
    return replace(stocktake, status=OPEN)


def approve(stocktake: Stocktake) -> Stocktake:
    _status(stocktake, SUBMITTED)
    return replace(stocktake, status=APPROVED)


def cancel(stocktake: Stocktake) -> Stocktake:
    _status(stocktake, OPEN, SUBMITTED)
    return replace(stocktake, status=CANCELLED)
