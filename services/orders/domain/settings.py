"""A store's till settings: tax rate per category, and the thresholds above which a
discount or a refund needs a store manager.

Until HQ or the store's manager sets them, a store has the defaults below (a French salon's
VAT: 20 % on services, products and fees). A category the store has no rate for is refused
on a line rather than taxed at a guess.
"""

from dataclasses import dataclass, field

STANDARD_RATE_BP = 2000
DEFAULT_RATES = {
    c: STANDARD_RATE_BP for c in ("hair", "beauty", "wellness", "spa", "custom", "retail", "fee", "service")
}


@dataclass(frozen=True)
class TillSettings:
    tax_rates_bp: dict = field(default_factory=lambda: dict(DEFAULT_RATES))
    discount_manager_bp: int = 1000  # a discount above 10 % of a line needs a manager
    refund_manager_minor: int = 10_000  # a refund above 100.00 needs a manager

    @classmethod
    def from_data(cls, data: dict | None) -> "TillSettings":
        if not data:
            return cls()
        return cls(dict(data["tax_rates_bp"]), data["discount_manager_bp"], data["refund_manager_minor"])

    def as_data(self) -> dict:
        return {
            "tax_rates_bp": dict(sorted(self.tax_rates_bp.items())),
            "discount_manager_bp": self.discount_manager_bp,
            "refund_manager_minor": self.refund_manager_minor,
        }
