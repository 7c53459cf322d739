"""Bookable resources: per store, a type (chair, basin, room, ...) with a number of units.

Each unit is its own bookable, like a staff member, so "up to N at once" is N calendars
that each hold one booking at a time; a hotel room type with N rooms is the same thing
booked by the night."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceType:
    resource_id: str
    store_id: str
    kind: str
    name: str
    units: int
    active: bool = True

    @classmethod
    def from_data(cls, d: dict) -> "ResourceType":
        return cls(d["resource_id"], d["store_id"], d["kind"], d["name"], d["units"], d.get("active", True))

    def unit_ids(self) -> list[str]:
        return [unit_id(self.resource_id, n) for n in range(1, self.units + 1)] if self.active else []


def unit_id(resource_id: str, number: int) -> str:
    return f"{resource_id}#{number}"
