"""The service catalogue: what a service takes (initial / processing / final time, buffers,
resources) and what it costs (base, per staff level, per store)."""
from dataclasses import dataclass, field

CATEGORIES = ("hair", "beauty", "wellness", "spa", "custom")
PHASES = ("all", "initial", "processing", "final")


@dataclass(frozen=True)
class CatalogueService:
    service_id: str
    name: str
    category: str
    initial_minutes: int
    processing_minutes: int = 0
    final_minutes: int = 0
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    price_minor: int = 0
    currency: str = "EUR"
    level_prices: dict = field(default_factory=dict)  # level -> minor units
    store_prices: dict = field(default_factory=dict)  # store_id -> {"price_minor", "level_prices"}
    resources: tuple = ()  # ((kind, phase), ...)
    active: bool = True

    @classmethod
    def from_data(cls, d: dict) -> "CatalogueService":
        phases = d["phases"]
        return cls(
            d["service_id"], d["name"], d["category"], phases["initial"], phases.get("processing", 0),
            phases.get("final", 0), d.get("buffer_before_minutes", 0), d.get("buffer_after_minutes", 0),
            d["price"]["amount_minor"], d["price"]["currency"], dict(d.get("level_prices") or {}),
            {s["store_id"]: s for s in d.get("store_prices") or ()},
            tuple((r["kind"], r.get("phase", "all")) for r in d.get("resources") or ()),
            d.get("active", True))

    @property
    def duration_minutes(self) -> int:
        return self.initial_minutes + self.processing_minutes + self.final_minutes

    def price_for(self, store_id: str, level: str) -> int:
        """A store's own price table replaces HQ's; within a table, the level's price wins."""
        table = self.store_prices.get(store_id)
        if table is not None:
            return (table.get("level_prices") or {}).get(level, table["price_minor"])
        return self.level_prices.get(level, self.price_minor)

    def phase_span(self, start: int, phase: str) -> tuple[int, int]:
        initial_end = start + self.initial_minutes * 60
        final_start = initial_end + self.processing_minutes * 60
        end = start + self.duration_minutes * 60
        return {"all": (start, end), "initial": (start, initial_end),
                "processing": (initial_end, final_start), "final": (final_start, end)}[phase]

    def hands_on(self, start: int) -> list[tuple[int, int]]:
        """When the stylist is busy with this client: all of it but the processing time."""
        if not self.processing_minutes:
            return [self.phase_span(start, "all")]
        return [self.phase_span(start, "initial"), self.phase_span(start, "final")]
