"""Order lines: what is sold, at what list price, less what discount, with the tax inside.

A line is a service (one per booking segment, with its stylist), a product (retail, by SKU:
the inventory issue fills these in), a fee the booking's policy made due (late
cancellation, no-show), a top-up of the member's stored value card (with the bonus the
card gets on top), or a service package (sessions of one service, with the terms as sold).
Top-ups and packages are prepaid value, untaxed: the service is taxed when they pay for it.
Prices are tax-inclusive; the rate comes from the store's setting for the line's category.
Totals show list, discount, net, tax and gross, each the sum of its lines, so a receipt adds
up line by line.
"""
from dataclasses import dataclass

from shared.refusals import Refused

from .money import BASIS_POINTS, share, tax_in

SERVICE, PRODUCT, FEE, TOP_UP, PACKAGE = "service", "product", "fee", "top_up", "package"
KINDS = (SERVICE, PRODUCT, FEE, TOP_UP, PACKAGE)
PREPAID = (TOP_UP, PACKAGE)  # value the members service keeps for the member once paid


class LineRefused(Refused):
    """A line or a discount that cannot be: the field it is about, and why (422)."""

    def __init__(self, field: str, message: str):
        super().__init__(field, message, conflict=False)


@dataclass(frozen=True)
class PackageTerms:
    """A package as sold: what its sessions are and for how long, as members offered it."""

    package_id: str
    name: str
    service_id: str
    sessions: int
    valid_days: int
    stores: tuple[str, ...]  # where it works; empty: every store


@dataclass(frozen=True)
class Line:
    line_id: str
    kind: str
    ref: str  # service id, SKU or fee name
    description: str
    category: str  # decides the tax rate: hair, beauty, wellness, spa, custom, retail, fee...
    quantity: int
    unit_price: int  # list price, tax-inclusive, minor units
    tax_rate_bp: int
    discount: int = 0  # minor units off the whole line
    discount_reason: str | None = None
    discount_by: str | None = None
    staff_id: str | None = None
    bonus: int = 0  # a top-up's: what the card gets above the price
    package: PackageTerms | None = None  # a package's

    def __post_init__(self):
        if self.kind not in KINDS:
            raise LineRefused("kind", f"a line is one of {', '.join(KINDS)}, not {self.kind}")
        if self.quantity < 1:
            raise LineRefused("quantity", "a line has a quantity of at least 1")
        if self.unit_price < 0:
            raise LineRefused("unit_price", "a price is not negative")
        if not 0 <= self.tax_rate_bp <= BASIS_POINTS:
            raise LineRefused("tax_rate_bp", f"a tax rate is 0 to {BASIS_POINTS} basis points")
        if not 0 <= self.discount <= self.list_amount:
            raise LineRefused("discount", f"a discount is 0 to the line's list amount ({self.list_amount})")
        if self.discount and not self.discount_reason:
            raise LineRefused("discount_reason", "a discount needs a reason")
        named = self.kind.replace("_", "-")
        if self.kind in PREPAID and (self.quantity, self.discount, self.tax_rate_bp) != (1, 0, 0):
            raise LineRefused("amount", f"a {named} is one amount, undiscounted and untaxed")
        if self.kind in PREPAID and self.unit_price < 1:
            raise LineRefused("amount", f"a {named} is above zero")
        if (self.package is not None) != (self.kind == PACKAGE):
            raise LineRefused("package", "a package line, and only one, has the package's terms")
        if self.bonus and self.kind != TOP_UP:
            raise LineRefused("bonus", "only a top-up has a bonus")

    @property
    def list_amount(self) -> int:
        return self.unit_price * self.quantity

    @property
    def gross(self) -> int:
        return self.list_amount - self.discount

    @property
    def tax(self) -> int:
        return tax_in(self.gross, self.tax_rate_bp)

    @property
    def net(self) -> int:
        return self.gross - self.tax


@dataclass(frozen=True)
class Totals:
    list_amount: int
    discount: int
    net: int
    tax: int
    gross: int
    tax_by_rate: dict  # rate in basis points -> (net, tax): what a receipt prints per rate


def totals(lines: list[Line]) -> Totals:
    by_rate: dict[int, tuple[int, int]] = {}
    for line in lines:
        net, tax = by_rate.get(line.tax_rate_bp, (0, 0))
        by_rate[line.tax_rate_bp] = (net + line.net, tax + line.tax)
    return Totals(sum(x.list_amount for x in lines), sum(x.discount for x in lines),
                  sum(x.net for x in lines), sum(x.tax for x in lines), sum(x.gross for x in lines),
                  dict(sorted(by_rate.items())))


def discount_needs_manager(line: Line, threshold_bp: int) -> bool:
    """Whether a manual discount is above the store's threshold (a share of the line's list
    amount) and so needs a store manager, not any staff member."""
    return line.discount > share(line.list_amount, threshold_bp)


def tax_rate(rates_bp: dict[str, int], category: str) -> int:
    """The store's rate for a category; a category the store has not set is refused rather
    than taxed at a guess."""
    if category not in rates_bp:
        raise LineRefused("category", f"the store sets no tax rate for {category}")
    return rates_bp[category]
