"""What every area's schemas build on: strict requests, problems, paging and field rules."""
import copy

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

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
    payment = fields.Dict(metadata={"description": "402 only: the declined payment, every hold let go"})


class Page(StrictSchema):
    limit = fields.Integer(**LIMIT)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PagedList(Schema):
    """A list answer paged by limit and offset; subclasses declare ``items``."""
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


def query_flag(**kwargs):
    """A boolean in a query string: exactly true or false."""
    return fields.Boolean(truthy={"true"}, falsy={"false"}, **kwargs)


SLUG = {"validate": validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", error="lowercase letters, digits and -"),
        "metadata": {"description": "optional: chosen by the server when left out"}}


def changes_of(settings: type[Schema], name: str, without: tuple[str, ...] = ()) -> type[Schema]:
    """A PATCH body for ``settings``: the same fields and rules, each optional, at least one."""
    declared = {}
    for key, field in settings._declared_fields.items():
        if key in without:
            continue
        optional = copy.copy(field)
        optional.required, optional.load_default = False, missing
        declared[key] = optional

    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("give at least one field to change", "_body")

    return type(name, (StrictSchema,), {**declared,
                                        "_something_to_change": validates_schema(something_to_change),
                                        "__doc__": f"Any of {settings.__name__}'s fields."})
