"""Event contracts: each event type declared once, with its marshmallow schema and version.

``declare`` registers a type; ``validate`` checks a payload against the declared schema
(used when appending, so nothing unvalidated is ever stored or published); ``json_schema``
renders a JSON Schema of the data for analysts and for contract tests. A change that
breaks a schema is a new version: declare ``(name, version + 1)`` beside the old one.
"""
from dataclasses import dataclass
from functools import cached_property

from marshmallow import Schema, ValidationError, fields, validate

_REGISTRY: dict[tuple[str, int], "EventContract"] = {}

# Field options for the identifiers events carry (store, staff, booking, order ids...).
ID = {"required": True, "validate": validate.Length(min=1, max=64)}


class Money(Schema):
    """Integer minor units (cents) with an ISO 4217 currency code; never a float."""
    amount_minor = fields.Integer(required=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))


class ContractError(ValueError):
    """Event data that does not match its declared schema, or an undeclared type."""


@dataclass(frozen=True)
class EventContract:
    source: str
    name: str
    version: int
    schema: type[Schema]

    @cached_property
    def _instance(self) -> Schema:
        # One schema instance per contract: building a marshmallow Schema (deep-copying its
        # declared fields) costs far more than load/dump, and an instance is reusable.
        return self.schema()

    def validate(self, data: dict) -> dict:
        try:
            return self._instance.load(data)
        except ValidationError as exc:
            raise ContractError(f"{self.name} v{self.version}: {exc.messages}") from exc

    def dump(self, data: dict) -> dict:
        return self._instance.dump(data)


def declare(source: str, name: str, schema: type[Schema], version: int = 1) -> EventContract:
    key = (name, version)
    if key in _REGISTRY and _REGISTRY[key].schema is not schema:
        raise ContractError(f"{name} v{version} is already declared with another schema")
    contract = EventContract(source, name, version, schema)
    _REGISTRY[key] = contract
    return contract


def lookup(name: str, version: int) -> EventContract:
    try:
        return _REGISTRY[(name, version)]
    except KeyError:
        raise ContractError(f"undeclared event type {name} v{version}") from None


def all_contracts() -> list[EventContract]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.source, c.name, c.version))


_JSON_TYPES = {
    fields.String: {"type": "string"}, fields.UUID: {"type": "string", "format": "uuid"},
    fields.Integer: {"type": "integer"}, fields.Boolean: {"type": "boolean"},
    fields.AwareDateTime: {"type": "string", "format": "date-time"},
    fields.DateTime: {"type": "string", "format": "date-time"},
    fields.Date: {"type": "string", "format": "date"},
    fields.Email: {"type": "string", "format": "email"},
}


def _field_schema(field) -> dict:
    if isinstance(field, fields.Nested):
        return _object_schema(field.schema)
    if isinstance(field, fields.List):
        return {"type": "array", "items": _field_schema(field.inner)}
    if isinstance(field, fields.Dict):
        return {"type": "object"}
    for kind in type(field).__mro__:
        if kind in _JSON_TYPES:
            out = dict(_JSON_TYPES[kind])
            break
    else:
        raise ContractError(f"no JSON Schema mapping for {type(field).__name__}")
    if field.allow_none:
        out["type"] = [out["type"], "null"]
    return out


def _object_schema(schema: Schema) -> dict:
    props = {name: _field_schema(f) for name, f in schema.fields.items()}
    required = sorted(name for name, f in schema.fields.items() if f.required)
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}


def json_schema(contract: EventContract) -> dict:
    """JSON Schema (draft 2020-12) of a whole published envelope of this type."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{contract.name} v{contract.version}",
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "subject",
                     "datacontenttype", "streamversion", "schemaversion", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": {"const": contract.source},
            "type": {"const": contract.name},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string", "minLength": 1},
            "datacontenttype": {"const": "application/json"},
            "streamversion": {"type": "integer", "minimum": 1},
            "schemaversion": {"const": contract.version},
            "storeid": {"type": "string"},
            "correlationid": {"type": "string"},
            "causationid": {"type": "string"},
            "data": _object_schema(contract.schema()),
        },
        "additionalProperties": False,
    }
