"""Stores: opening hours, closures, special hours, cancellation policy, and the events of a
store's life."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts import ID, Boolean, IsoDate, declare

from ..domain.stores import WEEKDAYS
from .common import CLOCK, OPTIONAL_ID, TIMEZONES, ordered, whole


class OpeningRange(Schema):
    opens = fields.String(required=True, validate=validate.Regexp(CLOCK))
    closes = fields.String(required=True, validate=validate.Regexp(CLOCK))

    @validates_schema
    def _order(self, data, **kwargs):
        ordered(data, "opens", "closes", "closes")


def _ranges(**kwargs):
    return fields.List(fields.Nested(OpeningRange), validate=validate.Length(max=6), **kwargs)


class Closure(Schema):
    first_day = IsoDate(required=True)
    last_day = IsoDate(required=True, metadata={"description": "inclusive"})
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["first_day"] > data["last_day"]:
            raise ValidationError("first_day must not be after last_day", "last_day")


class SpecialHours(Schema):
    date = IsoDate(required=True)
    ranges = _ranges(required=True, metadata={"description": "[] closes the store that day"})


class Charge(Schema):
    """A percent of the price or a fixed amount in minor units."""
    percent = whole(validate=validate.Range(min=0, max=100))
    amount_minor = whole(validate=validate.Range(min=0, max=10_000_000))

    @validates_schema
    def _one(self, data, **kwargs):
        if data.get("percent") and data.get("amount_minor"):
            raise ValidationError("give percent or amount_minor, not both", "_schema")


class Deposit(Charge):
    services = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                           load_default=list, validate=validate.Length(max=200))
    first_visit = Boolean(load_default=False)


class Policy(Schema):
    free_cancel_hours = whole(load_default=24, validate=validate.Range(min=0,
                                                                                             max=24 * 30))
    late_cancel_fee = fields.Nested(Charge, load_default=dict)
    no_show_fee = fields.Nested(Charge, load_default=dict)
    deposit = fields.Nested(Deposit, load_default=dict)


class Address(Schema):
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = fields.String(load_default="", validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    postcode = fields.String(load_default="", validate=validate.Length(max=20))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))


class StoreSettings(Schema):
    """What HQ sets for a store (all of it on create; any of it on update)."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.Nested(Address, required=True)
    phone = fields.String(required=True, validate=validate.Length(min=3, max=30))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    timezone = fields.String(required=True, validate=validate.OneOf(TIMEZONES, error="not an IANA time zone"))
    hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=_ranges(),
                        required=True)
    closures = fields.List(fields.Nested(Closure), load_default=list, validate=validate.Length(max=500))
    special_hours = fields.List(fields.Nested(SpecialHours), load_default=list,
                                validate=validate.Length(max=500))
    slot_interval_minutes = whole(load_default=15, validate=validate.OneOf([5, 10, 15, 20, 30, 60]))
    min_notice_minutes = whole(load_default=60, validate=validate.Range(min=0, max=60 * 24 * 30))
    horizon_days = whole(load_default=90, validate=validate.Range(min=1, max=730))
    policy = fields.Nested(Policy, load_default=dict)
    reminder_hours = fields.List(whole(validate=validate.Range(min=1, max=24 * 14)),
                                 load_default=lambda: [24, 2], validate=validate.Length(max=5))
    waitlist_offer_minutes = whole(load_default=30, validate=validate.Range(min=5, max=24 * 60), metadata={
        "description": "how long a waitlisted customer has to take a slot offered to them"})
    hold_minutes = whole(load_default=10, validate=validate.Range(min=1, max=60),
                                  metadata={
        "description": "how long POST /holds keeps a slot for a customer to finish booking"})


class StoreProfile(StoreSettings):
    store_id = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed"]))
    by = fields.String(**OPTIONAL_ID, metadata={"description": "account that made the change"})


class StoreUpdatedSchema(StoreProfile):
    changed = fields.List(fields.String(), required=True)


class StoreStatusSchema(Schema):
    store_id = fields.String(**ID)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    by = fields.String(**OPTIONAL_ID)


class OpeningHoursV1(Schema):
    opens = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))
    closes = fields.String(required=True, validate=validate.Regexp(r"^\d\d:\d\d$"))


class StoreOpenedV1(Schema):
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    opening_hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                                values=fields.Nested(OpeningHoursV1), required=True)


def store_opened_v2(data: dict) -> dict:
    """One opening range a day becomes a list of ranges; the new settings take defaults."""
    return {"store_id": data["store_id"], "name": data["name"], "timezone": data["timezone"],
            "currency": data["currency"],
            "hours": {day: [hours] for day, hours in data["opening_hours"].items()},
            "address": {"line1": "-", "line2": "", "city": "-", "postcode": "", "country": "FR"},
            "phone": "-", "closures": [], "special_hours": [], "slot_interval_minutes": 15,
            "min_notice_minutes": 60, "horizon_days": 90, "policy": {}, "reminder_hours": [24, 2],
            "status": "open", "by": None}


StoreOpenedV1Contract = declare("booking", "StoreOpened", StoreOpenedV1)
StoreOpened = declare("booking", "StoreOpened", StoreProfile, version=2, upcast=store_opened_v2)
StoreUpdated = declare("booking", "StoreUpdated", StoreUpdatedSchema)
StoreClosed = declare("booking", "StoreClosed", StoreStatusSchema)
StoreReopened = declare("booking", "StoreReopened", StoreStatusSchema)
