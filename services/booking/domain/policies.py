"""A store's cancellation policy: when cancelling is free, what a late cancellation or a
no-show costs, and when a deposit is required. Fees are computed here and carried on the
booking's events; the orders service charges them."""
from dataclasses import dataclass

FREE_CANCEL_DEFAULT_HOURS = 24


@dataclass(frozen=True)
class Charge:
    """A percent of the booking's price, or a fixed amount in minor units (never both)."""
    percent: int = 0
    amount_minor: int = 0

    @classmethod
    def from_data(cls, data: dict | None) -> "Charge":
        data = data or {}
        return cls(int(data.get("percent") or 0), int(data.get("amount_minor") or 0))

    def as_data(self) -> dict:
        return {"percent": self.percent, "amount_minor": self.amount_minor}

    def of(self, price_minor: int) -> int:
        if self.amount_minor:
            return min(self.amount_minor, price_minor)
        # Half up, in integers: money never goes through a float.
        return (price_minor * self.percent + 50) // 100


@dataclass(frozen=True)
class Policy:
    free_cancel_hours: int = FREE_CANCEL_DEFAULT_HOURS
    late_cancel: Charge = Charge()
    no_show: Charge = Charge()
    deposit: Charge = Charge()
    deposit_services: frozenset[str] = frozenset()
    deposit_first_visit: bool = False

    @classmethod
    def from_data(cls, data: dict | None) -> "Policy":
        data = data or {}
        deposit = data.get("deposit") or {}
        return cls(int(data.get("free_cancel_hours", FREE_CANCEL_DEFAULT_HOURS)),
                   Charge.from_data(data.get("late_cancel_fee")),
                   Charge.from_data(data.get("no_show_fee")),
                   Charge.from_data(deposit),
                   frozenset(deposit.get("services") or ()),
                   bool(deposit.get("first_visit")))

    def as_data(self) -> dict:
        """As events carry it (the policy a booking captured)."""
        return {"free_cancel_hours": self.free_cancel_hours, "late_cancel_fee": self.late_cancel.as_data(),
                "no_show_fee": self.no_show.as_data(),
                "deposit": {**self.deposit.as_data(), "services": sorted(self.deposit_services),
                            "first_visit": self.deposit_first_visit}}

    def cancellation_fee(self, price_minor: int, start: int, now: int) -> int:
        """Nothing until ``free_cancel_hours`` before the start, then the late fee."""
        if start - now >= self.free_cancel_hours * 3600:
            return 0
        return self.late_cancel.of(price_minor)

    def no_show_fee(self, price_minor: int) -> int:
        return self.no_show.of(price_minor)

    def deposit_due(self, price_minor: int, service_ids: list[str], first_visit: bool) -> int:
        wanted = bool(self.deposit_services & set(service_ids)) or (self.deposit_first_visit and first_visit)
        return self.deposit.of(price_minor) if wanted else 0
