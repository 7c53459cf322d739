"""Field helpers and formats shared by the booking service's contracts."""
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

CLOCK = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
TIMEZONES = frozenset(available_timezones())
OPTIONAL_ID = {"load_default": None, "allow_none": True, "validate": validate.Length(min=1, max=64)}
LEVEL = {"validate": validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$")}


def whole(**kwargs) -> fields.Integer:
    """An integer field that refuses floats and numeric strings (2.5 is not 2)."""
    return fields.Integer(strict=True, **kwargs)


def ordered(data, first: str, second: str, where: str) -> None:
    if data[first] >= data[second]:
        raise ValidationError(f"{first} must be before {second}", where)
