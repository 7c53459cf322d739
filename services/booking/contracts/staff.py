"""Staff: shifts with breaks, dated overrides, time off; hired, updated, let go."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts import ID, IsoDate, IsoInstant, declare

from ..domain.stores import WEEKDAYS
from .common import CLOCK, LEVEL, OPTIONAL_ID, ordered


class Break(Schema):
    start = fields.String(required=True, validate=validate.Regexp(CLOCK))
    end = fields.String(required=True, validate=validate.Regexp(CLOCK))

    @validates_schema
    def _order(self, data, **kwargs):
        ordered(data, "start", "end", "end")


class Shift(Break):
    breaks = fields.List(fields.Nested(Break), load_default=list, validate=validate.Length(max=5))


def _shifts(**kwargs):
    return fields.List(fields.Nested(Shift), validate=validate.Length(max=4), **kwargs)


class ShiftOverride(Schema):
    date = IsoDate(required=True)
    shifts = _shifts(required=True, metadata={"description": "[] is a day off"})


class TimeOff(Schema):
    start = IsoInstant(required=True)
    end = IsoInstant(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _order(self, data, **kwargs):
        if data["start"] >= data["end"]:
            raise ValidationError("start must be before end", "end")


class StaffSettings(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, **LEVEL)
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                         validate=validate.Length(max=500))
    shifts = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)), values=_shifts(),
                         required=True)
    overrides = fields.List(fields.Nested(ShiftOverride), load_default=list,
                            validate=validate.Length(max=500))
    time_off = fields.List(fields.Nested(TimeOff), load_default=list, validate=validate.Length(max=500))
    account_id = fields.String(**OPTIONAL_ID, metadata={"description": "identity account (staff role)"})


class StaffProfile(StaffSettings):
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["active", "left"]))
    by = fields.String(**OPTIONAL_ID)


class StaffUpdatedSchema(StaffProfile):
    changed = fields.List(fields.String(), required=True)


class StaffLetGoSchema(StaffProfile):
    left_at = fields.String(required=True)
    future_bookings = fields.List(fields.String(), required=True, metadata={
        "description": "bookings still assigned to this person, to reassign"})


class StaffHiredV1(Schema):
    staff_id = fields.String(**ID)
    store_id = fields.String(**ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


def staff_hired_v2(data: dict) -> dict:
    """Seed-era staff had no level, skills or shifts: they get none, so they take no
    booking until a manager sets them."""
    return {**data, "display_name": data["name"].split()[0], "level": "stylist", "skills": [],
            "shifts": {}, "overrides": [], "time_off": [], "account_id": None, "status": "active",
            "by": None}


StaffHiredV1Contract = declare("booking", "StaffHired", StaffHiredV1)
StaffHired = declare("booking", "StaffHired", StaffProfile, version=2, upcast=staff_hired_v2)
StaffUpdated = declare("booking", "StaffUpdated", StaffUpdatedSchema)
StaffLetGo = declare("booking", "StaffLetGo", StaffLetGoSchema)
