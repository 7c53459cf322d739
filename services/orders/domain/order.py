"""An order's state, and the decisions taken on it.

The order keeps two things apart: where its booking stands (``fulfilment``) and the money
(lines, tenders, tips, refunds); ``status`` derives what a user sees from both. The decisions
(``add_line``, ``start_payment``, ``plan_refund``, ``receipt_due``) accept or refuse with the
field and the reason. Nothing here knows about nameko, SQLAlchemy or the wire; the service
builds the state from the order's events.
"""
from dataclasses import dataclass, replace

from . import tenders as T
from .lines import PACKAGE, PREPAID, TOP_UP, Line, LineRefused, discount_needs_manager, totals
from .status import BOOKED, CANCELLED, NO_SHOW, Standing, status


@dataclass(frozen=True)
class RefundOnWay:
    """A refund recorded as requested and not yet given back in full: what it reserves."""
    refund_id: str
    amount: int
    parts: tuple[tuple[str, int], ...]  # (tender id, amount)
    lines: tuple[tuple[str, int], ...]  # (line id, amount)
    reason: str
    overpayment: bool
    by: str | None
    by_role: str | None
    returns: tuple[tuple[str, int, str], ...] = ()  # (line id, packs brought back, shelf or scrap)


@dataclass(frozen=True)
class Order:
    order_id: str
    store_id: str
    currency: str
    customer_id: str | None = None
    booking_id: str | None = None
    fulfilment: str | None = None  # the booking's status; None for a counter sale
    deposit_due: int = 0
    lines: tuple[Line, ...] = ()
    tenders: tuple[T.Tender, ...] = ()
    tips: tuple[tuple[str, str | None, int], ...] = ()  # (tender id, staff id, amount)
    payments: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (payment id, its tender ids)
    cancelled: frozenset = frozenset()  # ids of service lines no longer owed
    concessions: int = 0  # refunds that lower what is owed (not those giving back an overpayment)
    line_refunds: tuple[tuple[str, int], ...] = ()  # (line id, refunded on it so far)
    line_returns: tuple[tuple[str, int], ...] = ()  # (line id, packs brought back so far)
    refunds_on_way: tuple[RefundOnWay, ...] = ()
    customer_name: str | None = None
    receipt_number: int | None = None
    deposit_due_by: str | None = None  # UTC; an online booking's deposit unpaid by then lapses
    lapsed: bool = False  # the deposit was not paid in time; the booking is being let go
    redo_of: str | None = None  # the order whose service this one redoes at no charge
    after_sales: tuple = ()  # after_sales.AfterSales, in the order asked

    def with_after_sales(self, request) -> "Order":
        others = tuple(r for r in self.after_sales if r.request_id != request.request_id)
        if len(others) == len(self.after_sales):
            return replace(self, after_sales=self.after_sales + (request,))
        return replace(self, after_sales=tuple(request if r.request_id == request.request_id else r
                                               for r in self.after_sales))

    @property
    def owed_lines(self) -> list[Line]:
        return [line for line in self.lines if line.line_id not in self.cancelled]

    @property
    def totals(self):
        return totals(self.owed_lines)

    @property
    def gross(self) -> int:
        return self.totals.gross

    @property
    def paid(self) -> int:
        """Captured and not refunded, tips apart: what the order has received."""
        return sum(t.captured - t.refunded for t in self.tenders) - self.tips_paid

    @property
    def refunded(self) -> int:
        return sum(t.refunded for t in self.tenders)

    @property
    def tips_paid(self) -> int:
        captured = {t.tender_id for t in self.tenders if t.status == T.CAPTURED}
        return sum(amount for tender_id, _, amount in self.tips if tender_id in captured)

    @property
    def held(self) -> int:
        """Authorized or still pending: money on its way that a new payment must leave room for."""
        return sum(t.amount for t in self.tenders if t.status in (T.PENDING, T.AUTHORIZED))

    @property
    def balance(self) -> int:
        """What is still owed: the lines, less refunds granted on them, less what was paid.
        Negative when more was paid than is owed (a deposit above a cancellation fee)."""
        return self.gross - self.concessions - self.paid

    @property
    def status(self) -> str:
        return status(Standing(self.fulfilment, self.gross - self.concessions, self.deposit_due, self.paid,
                               self.refunded))

    def tender(self, tender_id: str) -> T.Tender:
        found = next((t for t in self.tenders if t.tender_id == tender_id), None)
        if found is None:
            raise T.TenderRefused("tender_id", f"no tender {tender_id} on this order", conflict=False)
        return found

    def line(self, line_id: str) -> Line:
        return next(x for x in self.lines if x.line_id == line_id)

    def refund_on_way(self, refund_id: str) -> RefundOnWay | None:
        return next((r for r in self.refunds_on_way if r.refund_id == refund_id), None)

    @property
    def refundable_tenders(self) -> list[T.Tender]:
        """The tenders as a new refund sees them: what refunds on their way will give back
        counts as given back already."""
        reserved: dict[str, int] = {}
        for r in self.refunds_on_way:
            for tender_id, amount in r.parts:
                reserved[tender_id] = reserved.get(tender_id, 0) + amount
        return [replace(t, refunded=t.refunded + reserved.get(t.tender_id, 0)) for t in self.tenders]

    def payment_tenders(self, payment_id: str) -> list[T.Tender]:
        ids = dict(self.payments).get(payment_id, ())
        return [self.tender(tender_id) for tender_id in ids]

    def payment_of(self, tender_id: str) -> str:
        return next(payment_id for payment_id, ids in self.payments if tender_id in ids)

    def with_tender(self, tender: T.Tender) -> "Order":
        """The order with ``tender`` added, or in place of its earlier state."""
        others = tuple(t for t in self.tenders if t.tender_id != tender.tender_id)
        if len(others) == len(self.tenders):
            return replace(self, tenders=self.tenders + (tender,))
        return replace(self, tenders=tuple(tender if t.tender_id == tender.tender_id else t
                                           for t in self.tenders))


def add_line(order: Order, line: Line, manager: bool, threshold_bp: int) -> Line:
    """A line added at checkout: refused once the order is settled or its booking over without
    it, and a discount above the store's threshold needs a store manager."""
    if order.receipt_number is not None:
        raise LineRefused("order", "the order is settled: a receipt was issued")
    if order.fulfilment in (CANCELLED, NO_SHOW):
        raise LineRefused("order", f"the booking was {order.fulfilment.replace('_', '-')}")
    if any(existing.line_id == line.line_id for existing in order.lines):
        raise LineRefused("line_id", f"the order has a line {line.line_id} already")
    if line.discount and not manager and discount_needs_manager(line, threshold_bp):
        raise LineRefused("discount", "a discount this large needs a store manager")
    return line


def start_payment(order: Order, requested: list[T.Tender], tip: int = 0) -> None:
    """Whether these tenders may start paying the order: never more than what is left once
    what is already on its way is counted, so payments racing on one order cannot together
    take more than its balance; a tip rides on top of the bill, on the first tender."""
    if order.fulfilment in (CANCELLED, NO_SHOW) and order.balance <= 0:
        raise T.TenderRefused("order", "the order is cancelled and nothing is owed")
    if order.lapsed and order.fulfilment == BOOKED:
        raise T.TenderRefused("order", "the deposit was not paid in time: the booking is let go")
    if tip < 0:
        raise T.TenderRefused("tip", "a tip is not negative", conflict=False)
    if tip and (not requested or tip > requested[0].amount):
        raise T.TenderRefused("tip", "a tip is paid within the first tender", conflict=False)
    T.check_payment(order.balance - order.held, [t.amount for t in requested], tip)


def plan_refund(order: Order, amount: int) -> list[tuple[str, int]]:
    """A refund of ``amount`` over the order's captured tenders (tips are the stylist's and
    are not refunded with the bill)."""
    if order.held:
        raise T.TenderRefused("order", "a payment is on its way: refund once it is settled")
    left = order.paid - sum(r.amount for r in order.refunds_on_way)
    if amount > left:
        raise T.TenderRefused("amount", f"a refund is at most what was paid and not refunded ({left})",
                              conflict=False)
    return T.refund_split(order.refundable_tenders, amount)


@dataclass(frozen=True)
class Withdrawal:
    """What of a refund the members service keeps the value of, to be taken back from the
    member before the money goes back: a top-up's principal off the card, or a package's
    sessions left (``line_id``: the package line)."""
    kind: str  # TOP_UP or PACKAGE
    amount: int
    line_id: str | None = None


def withdrawal(order: Order, amount: int, lines: dict[str, int]) -> Withdrawal | None:
    """The refund's prepaid part: the amounts on its top-up lines, or its one package line; a
    whole-order amount only for an order that sold top-ups alone or one package alone. An
    order that sold prepaid value with other lines is refunded line by line, and a package
    on its own."""
    prepaid = {x.line_id: x.kind for x in order.owed_lines if x.kind in PREPAID}
    if not prepaid:
        return None
    if not lines:
        kinds = set(prepaid.values())
        if len(prepaid) == len(order.owed_lines) and kinds == {TOP_UP}:
            return Withdrawal(TOP_UP, amount)
        if len(order.owed_lines) == 1 and kinds == {PACKAGE}:
            return Withdrawal(PACKAGE, amount, next(iter(prepaid)))
        raise T.TenderRefused(
            "lines", "an order that sold a top-up or a package with other lines is refunded line by line",
            conflict=False,
        )
    packages = [line_id for line_id in lines if prepaid.get(line_id) == PACKAGE]
    if packages and len(lines) > 1:
        raise T.TenderRefused(
            "lines", "a package is refunded on its own: one line per refund", conflict=False
        )
    if packages:
        return Withdrawal(PACKAGE, lines[packages[0]], packages[0])
    top_up = sum(n for line_id, n in lines.items() if prepaid.get(line_id) == TOP_UP)
    return Withdrawal(TOP_UP, top_up) if top_up else None


def line_refunds(order: Order, amounts: dict[str, int]) -> int:
    """A refund of some lines (line id: amount): each at most what the line came to less what
    was refunded on it before, and the whole at most what was paid."""
    for line_id, amount in amounts.items():
        line = next((x for x in order.owed_lines if x.line_id == line_id), None)
        if line is None:
            raise T.TenderRefused("lines", f"the order has no line {line_id} to refund", conflict=False)
        on_way = sum(dict(r.lines).get(line_id, 0) for r in order.refunds_on_way)
        left = line.gross - dict(order.line_refunds).get(line_id, 0) - on_way
        if not 0 < amount <= left:
            raise T.TenderRefused("lines", f"a refund of line {line_id} is 1 to {left}", conflict=False)
    return sum(amounts.values())


def returns_checked(order: Order, packs: dict[str, int]) -> None:
    """Packs brought back with a refund of their lines (line id: packs): each of a product
    line, at most what the line sold less what came back with refunds before."""
    for line_id, n in packs.items():
        line = order.line(line_id)
        if line.kind != "product":
            raise T.TenderRefused("restock", f"line {line_id} sold no product to bring back", conflict=False)
        on_way = sum(k for r in order.refunds_on_way for lid, k, _ in r.returns if lid == line_id)
        left = line.quantity - dict(order.line_returns).get(line_id, 0) - on_way
        if not 0 < n <= left:
            raise T.TenderRefused("restock", f"1 to {left} packs of line {line_id} can come back",
                                  conflict=False)


def deposit_lapses(order: Order) -> bool | None:
    """At its deadline, whether an unpaid deposit lets the booking go: True if it does, False if
    not (paid, or the visit already under way), None while a payment is on its way (ask again
    once it has settled)."""
    if order.lapsed or order.fulfilment != BOOKED or order.paid >= order.deposit_due:
        return False
    return None if order.held else True


def receipt_due(order: Order) -> bool:
    """An order is settled, and gets the store's next receipt number, once nothing is owed
    and no tender is still on its way; it gets one number only."""
    return order.receipt_number is None and order.balance <= 0 and not order.held and bool(order.tenders)
