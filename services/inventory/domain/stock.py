"""A store's stock of one product: how many units are on hand, in which lots, what they are
worth at moving-average cost, and whether it stands below its reorder point.

Every movement is decided here from the stock as it stands and returns the stock after it,
the units and the value it moved (signed), the lots it touched and the alert it raises, so
the events carry everything and on hand and value are always the sums of their movements:
- in (received, returned, counted up): a receipt adds what it cost; other ins are valued at
  the current average cost. A receipt into stock below zero first settles the units owed,
  at the receipt's own cost, so the average never carries a stale deficit.
- out (sold, consumed, scrapped, transferred, counted down): takes the average's share of
  the value (all of it when the last unit goes), the earliest expiring lots first; below
  zero only where the store's policy allows it, valued at the last average cost.
- ``StockLow`` once when on hand falls below the reorder point, ``StockRestored`` once when
  it is back at or above it: an alert per crossing, never one per sale while below.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

MICROS = 1_000_000  # an average cost is kept in millionths of a minor unit per unit
NO_EXPIRY = "9999-12-31"
LOW, RESTORED = "low", "restored"


@dataclass(frozen=True)
class Lot:
    lot: str | None  # None: units with no lot number
    expires_on: str | None  # ISO date
    on_hand: int


@dataclass(frozen=True)
class Stock:
    on_hand: int = 0
    value: int = 0  # minor units
    unit_cost_micros: int = 0  # the average cost of a unit, kept while stock is zero or below
    reorder_point: int | None = None
    target: int | None = None
    low: bool = False
    lots: tuple[Lot, ...] = ()


@dataclass(frozen=True)
class Moved:
    after: Stock
    change: int  # units, + in, - out
    value_change: int  # minor units, + in, - out
    lots: tuple[Lot, ...]  # each lot touched, with the units it moved (signed)
    alert: str | None  # LOW, RESTORED or None

    @property
    def negative(self) -> bool:
        return self.after.on_hand < 0


def _average(value: int, on_hand: int, fallback: int) -> int:
    return value * MICROS // on_hand if on_hand > 0 else fallback


def _at_average(units: int, unit_cost_micros: int) -> int:
    return (units * unit_cost_micros * 2 + MICROS) // (2 * MICROS)


def _alert(before: Stock, after: Stock) -> tuple[Stock, str | None]:
    low = after.reorder_point is not None and after.on_hand < after.reorder_point
    after = replace(after, low=low)
    if low and not before.low:
        return after, LOW
    if before.low and not low:
        return after, RESTORED
    return after, None


def _moved(before: Stock, after: Stock, lots: tuple[Lot, ...]) -> Moved:
    after, alert = _alert(before, after)
    return Moved(after, after.on_hand - before.on_hand, after.value - before.value, lots, alert)


def _add_lot(lots: tuple[Lot, ...], lot: str | None, expires_on: str | None, units: int) -> tuple[Lot, ...]:
    if units <= 0:
        return lots
    for n, existing in enumerate(lots):
        if existing.lot == lot:
            if expires_on is not None and existing.expires_on not in (None, expires_on):
                raise Refused("expires_on", f"lot {lot} expires on {existing.expires_on}", conflict=False)
            grown = Lot(lot, existing.expires_on or expires_on, existing.on_hand + units)
            return lots[:n] + (grown,) + lots[n + 1 :]
    return tuple(
        sorted((*lots, Lot(lot, expires_on, units)), key=lambda x: (x.expires_on or NO_EXPIRY, x.lot or ""))
    )


def receive(
    stock: Stock, units: int, cost: int, lot: str | None = None, expires_on: str | None = None
) -> Moved:
    """``units`` delivered for ``cost`` (minor units, all of them)."""
    on_hand = stock.on_hand + units
    if stock.on_hand >= 0:
        value = stock.value + cost
    elif on_hand > 0:  # the units owed are settled at this receipt's cost: the rest is its share
        value = (cost * on_hand * 2 + units) // (2 * units)
    else:  # still owing: what is owed stays at the average it was taken at
        value = -_at_average(-on_hand, stock.unit_cost_micros)
    unit_cost = _average(value, on_hand, cost * MICROS // units)
    after = replace(
        stock,
        on_hand=on_hand,
        value=value,
        unit_cost_micros=unit_cost,
        lots=_add_lot(stock.lots, lot, expires_on, min(units, on_hand)),
    )
    return _moved(stock, after, (Lot(lot, expires_on, units),))


def put_back(stock: Stock, units: int, lot: str | None = None, expires_on: str | None = None) -> Moved:
    """``units`` back on the shelf (a refunded sale, a count above the books) at the average
    cost."""
    return receive(stock, units, _at_average(units, stock.unit_cost_micros), lot, expires_on)


def _take_lots(
    lots: tuple[Lot, ...], units: int, lot: str | None, named: bool
) -> tuple[tuple[Lot, ...], tuple[Lot, ...]]:
    """The lots left and the lots taken from (signed), the earliest expiring first, or only
    the lot ``named``."""
    if named:
        found = next((x for x in lots if x.lot == lot), None)
        if found is None or found.on_hand < units:
            have = 0 if found is None else found.on_hand
            raise Refused("lot", f"lot {lot} has {have} on hand, not {units}")
        left = tuple(x if x is not found else replace(x, on_hand=x.on_hand - units) for x in lots)
        return tuple(x for x in left if x.on_hand > 0), (Lot(lot, found.expires_on, -units),)
    remaining, left, taken = units, [], []
    for existing in lots:
        part = min(existing.on_hand, remaining)
        remaining -= part
        if part:
            taken.append(Lot(existing.lot, existing.expires_on, -part))
        if existing.on_hand > part:
            left.append(replace(existing, on_hand=existing.on_hand - part))
    return tuple(left), tuple(taken)


def take(
    stock: Stock, units: int, allow_negative: bool, lot: str | None = None, named_lot: bool = False
) -> Moved:
    """``units`` leave the store; more than is on hand only if ``allow_negative``."""
    if units > stock.on_hand and not allow_negative:
        raise Refused("quantity", f"only {max(stock.on_hand, 0)} on hand; this store does not go below zero")
    lots, taken = _take_lots(stock.lots, units, lot, named_lot)
    on_hand = stock.on_hand - units
    if on_hand >= 0:
        share = (
            stock.value if on_hand == 0 else (stock.value * units * 2 + stock.on_hand) // (2 * stock.on_hand)
        )
    else:
        share = max(stock.value, 0) + _at_average(units - max(stock.on_hand, 0), stock.unit_cost_micros)
        share = share if stock.on_hand > 0 else _at_average(units, stock.unit_cost_micros)
    value = stock.value - share
    after = replace(
        stock,
        on_hand=on_hand,
        value=value,
        unit_cost_micros=_average(value, on_hand, stock.unit_cost_micros),
        lots=lots,
    )
    return _moved(stock, after, taken)


def count(stock: Stock, counted: int) -> Moved:
    """The shelf holds ``counted`` units: the books follow."""
    if counted < 0:
        raise Refused("counted", "a count is zero or more", conflict=False)
    return adjust(stock, counted - stock.on_hand)


def adjust(stock: Stock, change: int) -> Moved:
    """A count's variance of ``change`` units: down from the earliest lots (below zero if
    sales since the count took the rest: the count is the truth), up at the average cost,
    into units with no lot."""
    if change > 0:
        return put_back(stock, change)
    if change < 0:
        return take(stock, -change, allow_negative=True)
    return _moved(stock, stock, ())


def levels(stock: Stock, reorder_point: int | None, target: int | None) -> Moved:
    """New reorder point and target level: alerts at once if stock stands on the other side."""
    if (reorder_point is None) != (target is None):
        raise Refused("target", "give a reorder point and a target together, or neither", conflict=False)
    if reorder_point is not None and not 0 <= reorder_point < target:
        raise Refused(
            "target", "the target is above the reorder point, which is zero or more", conflict=False
        )
    return _moved(stock, replace(stock, reorder_point=reorder_point, target=target), ())
