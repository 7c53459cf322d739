"""A transfer of stock from one store to another: the store short of a product requests it,
the sending store (or HQ) approves or rejects it, the sender dispatches what it can (the units
leave its stock and are in transit, seen by both stores), and the receiver says what arrived.

What arrived may differ from what was dispatched: the difference is recorded as a discrepancy
with its value at the sender's cost; more than was dispatched needs a reason. The units that
arrive carry the value they left with, and their lots and expiry dates, so a transfer moves
stock at cost and never revalues it.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

REQUESTED, APPROVED, REJECTED, CANCELLED = "requested", "approved", "rejected", "cancelled"
DISPATCHED, RECEIVED = "dispatched", "received"
STATUSES = (REQUESTED, APPROVED, REJECTED, CANCELLED, DISPATCHED, RECEIVED)
MAX_LINES = 200


@dataclass(frozen=True)
class Line:
    product_id: str
    requested: int  # units
    dispatched: int | None = None
    value: int | None = None  # minor units: what the dispatched units were worth at the sender
    received: int | None = None
    lots: tuple[tuple[str | None, str | None, int], ...] = ()  # (lot, expires on, units) sent

    @property
    def discrepancy(self) -> int:
        """Units received beyond (+) or short of (-) what was dispatched."""
        return 0 if self.received is None else self.received - (self.dispatched or 0)


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    from_store_id: str
    to_store_id: str
    lines: tuple[Line, ...]
    status: str = REQUESTED

    def line(self, product_id: str) -> Line:
        return next(x for x in self.lines if x.product_id == product_id)


def _status(transfer: Transfer, *allowed: str) -> None:
    if transfer.status not in allowed:
        raise Refused("status", f"transfer {transfer.transfer_id} is {transfer.status}")


def request(transfer_id: str, from_store_id: str, to_store_id: str, wanted: dict[str, int]) -> Transfer:
    """``wanted``: units per product, in the order asked."""
    if from_store_id == to_store_id:
        raise Refused("from_store_id", "a store does not transfer to itself", conflict=False)
    if not wanted:
        raise Refused("lines", "a transfer moves at least one product", conflict=False)
    if len(wanted) > MAX_LINES:
        raise Refused("lines", f"at most {MAX_LINES} products a transfer", conflict=False)
    for product_id, units in wanted.items():
        if units <= 0:
            raise Refused("lines", f"{product_id}: a quantity is more than zero", conflict=False)
    lines = tuple(Line(product_id, units) for product_id, units in wanted.items())
    return Transfer(transfer_id, from_store_id, to_store_id, lines)


def approve(transfer: Transfer) -> Transfer:
    _status(transfer, REQUESTED)
    return replace(transfer, status=APPROVED)


def reject(transfer: Transfer) -> Transfer:
    _status(transfer, REQUESTED)
    return replace(transfer, status=REJECTED)


def cancel(transfer: Transfer) -> Transfer:
    """Before it is dispatched; afterwards the units are on their way."""
    _status(transfer, REQUESTED, APPROVED)
    return replace(transfer, status=CANCELLED)


def to_dispatch(transfer: Transfer, sending: dict[str, int]) -> dict[str, int]:
    """The units to send of each product: ``sending`` may send fewer than requested (none of
    some), never more, and something."""
    _status(transfer, APPROVED)
    unknown = set(sending) - {x.product_id for x in transfer.lines}
    if unknown:
        raise Refused("lines", f"{sorted(unknown)[0]} was not requested", conflict=False)
    units = {x.product_id: sending.get(x.product_id, x.requested) for x in transfer.lines}
    for line in transfer.lines:
        if not 0 <= units[line.product_id] <= line.requested:
            raise Refused(
                "lines",
                f"{line.product_id}: 0 to {line.requested} units are sent, as requested",
                conflict=False,
            )
    if not any(units.values()):
        raise Refused("lines", "a dispatch sends at least one unit", conflict=False)
    return units


def dispatched(transfer: Transfer, sent: dict[str, tuple[int, int, tuple]]) -> Transfer:
    """``sent``: the units, value and lots that left the sender, per product."""
    lines = tuple(
        replace(x, dispatched=sent[x.product_id][0], value=sent[x.product_id][1], lots=sent[x.product_id][2])
        for x in transfer.lines
    )
    return replace(transfer, lines=lines, status=DISPATCHED)


def to_receive(transfer: Transfer, arrived: dict[str, int], reason: str | None) -> Transfer:
    """What arrived of each product (a product not named arrived as dispatched)."""
    _status(transfer, DISPATCHED)
    unknown = set(arrived) - {x.product_id for x in transfer.lines}
    if unknown:
        raise Refused("lines", f"{sorted(unknown)[0]} is not in this transfer", conflict=False)
    lines = []
    for line in transfer.lines:
        received = arrived.get(line.product_id, line.dispatched)
        if received < 0:
            raise Refused("lines", f"{line.product_id}: what arrived is zero or more", conflict=False)
        if received and not line.dispatched:
            raise Refused("lines", f"{line.product_id}: none was sent; count it in instead", conflict=False)
        if received > line.dispatched and not reason:
            raise Refused(
                "reason",
                f"{line.product_id}: {received} units arrived of {line.dispatched} sent; say why",
                conflict=False,
            )
        lines.append(replace(line, received=received))
    return replace(transfer, lines=tuple(lines), status=RECEIVED)


def arrivals(line: Line) -> list[tuple[str | None, str | None, int, int]]:
    """What arrived of a line, lot by lot, with its value: the units in the order they were
    sent (the earliest expiring first), units beyond those in the last lot, each part at the
    dispatched unit value, the parts adding up to the received units' value."""
    lots = list(line.lots) or [(None, None, line.dispatched)]
    total = (line.value * line.received * 2 + line.dispatched) // (2 * line.dispatched)
    parts, left, valued = [], line.received, 0
    for n, (lot, expires_on, units) in enumerate(lots):
        take = left if n == len(lots) - 1 else min(units, left)
        if take <= 0:
            continue
        left -= take
        value = (
            total - valued
            if left == 0
            else (line.value * take * 2 + line.dispatched) // (2 * line.dispatched)
        )
        valued += value
        parts.append((lot, expires_on, take, value))
    return parts
