"""What every area's schemas build on: strict requests, problems, paging and field rules."""
from marshmallow import Schema, ValidationError, fields, validate

ID = {"required": True, "validate": validate.Length(min=1, max=64)}
OPTIONAL_ID = {"validate": validate.Length(min=1, max=64)}
LIMIT = {"load_default": 50, "validate": validate.Range(min=1, max=200)}


def plausible_year(value) -> None:
    """Times far outside the business's life are typos or probes; they would also overflow
    when moved between time zones at the ends of the calendar."""
    if not 2000 <= value.year <= 2100:
        raise ValidationError("must be between the years 2000 and 2100")


class StrictSchema(Schema):
    class Meta:
        # Unknown fields are an error: a misspelt field must not be silently ignored.
        unknown = "raise"


class Problem(Schema):
    """RFC 9457 problem details, as every error is answered."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    correlation_id = fields.String()
    errors = fields.Dict(metadata={"description": "per field: what is wrong with it"})
    retry_after = fields.Integer(metadata={"description": "seconds (429 only)"})
    failed = fields.Dict()


class Page(StrictSchema):
    limit = fields.Integer(**LIMIT)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PagedList(Schema):
    """A list answer paged by limit and offset; subclasses declare ``items``."""
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
