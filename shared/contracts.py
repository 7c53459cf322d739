"""Event contracts: each event type declared once, with its marshmallow schema and version.

``declare`` registers a type; ``validate`` checks a payload against the declared schema
(used when appending, so nothing unvalidated is ever stored or published); ``json_schema``
renders a JSON Schema of the data for analysts and for contract tests. A change that
breaks a schema is a new version: declare ``(name, version + 1)`` beside the old one, with
an ``upcast`` that turns the previous version's data into the new one's. Consumers and
projections name the version they work with (the contract they import); ``read`` brings an
older event up to it through each upcaster in turn, on live delivery, replay and rebuild
alike. An event newer than the reader knows is refused: the reader must be upgraded first.
"""
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from marshmallow import Schema, ValidationError, fields, validate

_REGISTRY: dict[tuple[str, int], "EventContract"] = {}
_PERSONAL_TYPES: set[str] = set()  # types with personal fields in some version: asked per event

# Field options for the identifiers events carry (store, staff, booking, order ids...).
ID = {"required": True, "validate": validate.Length(min=1, max=64)}
# An identifier that every event of the type carries, null when there is none.
NULLABLE_ID = {"required": True, "allow_none": True, "validate": validate.Length(min=1, max=64)}


class Boolean(fields.Boolean):
    """true or false, nothing else: 0, 1, "yes" or "on" are refused (JSON has booleans)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class IsoDate(fields.Date):
    """A calendar date that stays an ISO 8601 string ("2026-12-25") once checked, so event
    data and the API's answers carry the same text."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class IsoInstant(fields.AwareDateTime):
    """An instant with an offset, kept as the ISO 8601 string it was given once checked."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class Money(Schema):
    """Integer minor units (cents) with an ISO 4217 currency code; never a float."""
    amount_minor = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))


@dataclass(frozen=True)
class Personal:
    """Which fields of a contract's data are a person's, and which field names the person
    (shared/personal.py). An event whose ``subject`` is null (a walk-in) is not sealed."""
    subject: str
    fields: tuple[str, ...]


class ContractError(ValueError):
    """Event data that does not match its declared schema, or an undeclared type."""


@dataclass(frozen=True)
class EventContract:
    source: str
    name: str
    version: int
    schema: type[Schema]
    upcast: Callable[[dict], dict] | None = dataclasses.field(default=None, compare=False)
    # the personal fields of the data, stored sealed with the person's key (shared/personal.py)
    personal: Personal | None = dataclasses.field(default=None, compare=False)

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

    def read(self, envelope):
        """``envelope`` as this version of the contract: upcast if older, then validated."""
        if envelope.type != self.name:
            raise ContractError(f"expected {self.name}, got {envelope.type}")
        if envelope.schemaversion != self.version:
            envelope = dataclasses.replace(
                envelope, schemaversion=self.version,
                data=upcast(self.name, envelope.data, envelope.schemaversion, self.version))
        self.validate(envelope.data)
        return envelope


def upcast(name: str, data: dict, from_version: int, to_version: int) -> dict:
    """``data`` of ``name`` v``from_version`` as v``to_version``, through each upcaster."""
    if not isinstance(from_version, int) or from_version < 1:
        raise ContractError(f"{name}: no schema version {from_version!r}")
    if from_version > to_version:
        raise ContractError(f"{name} v{from_version} is newer than v{to_version}, the version "
                            "this reader knows: upgrade the reader")
    for version in range(from_version + 1, to_version + 1):
        try:
            data = lookup(name, version).upcast(data)
        except ContractError:
            raise
        except Exception as exc:  # old data the upcaster cannot read: not retryable either
            raise ContractError(f"{name}: upcasting v{version - 1} to v{version} failed: "
                                f"{type(exc).__name__}: {exc}") from exc
    return data


def declare(source: str, name: str, schema: type[Schema], version: int = 1,
            upcast: Callable[[dict], dict] | None = None,
            personal: Personal | None = None) -> EventContract:
    """Declare a type's schema; every version after the first says how to ``upcast`` the
    data of the version before it. ``personal`` names the fields that are a person's data
    (stored sealed, forgotten when the person is erased)."""
    key = (name, version)
    if key in _REGISTRY and _REGISTRY[key].schema is not schema:
        raise ContractError(f"{name} v{version} is already declared with another schema")
    if version > 1 and upcast is None:
        raise ContractError(f"{name} v{version} needs an upcast from v{version - 1}")
    if personal is not None:
        unknown = set(personal.fields) - set(schema().fields) | ({personal.subject} - set(schema().fields))
        if unknown:
            raise ContractError(f"{name} v{version}: no fields {sorted(unknown)} to keep personal")
    contract = EventContract(source, name, version, schema, upcast, personal)
    if personal is not None:
        _PERSONAL_TYPES.add(name)
    _REGISTRY[key] = contract
    return contract


def lookup(name: str, version: int) -> EventContract:
    try:
        return _REGISTRY[(name, version)]
    except KeyError:
        raise ContractError(f"undeclared event type {name} v{version}") from None


def personal_of(name: str, version: int) -> Personal | None:
    """What is personal in a type's data at a version (None too for a type not declared here)."""
    found = _REGISTRY.get((name, version))
    return None if found is None else found.personal


def holds_personal(name: str) -> bool:
    """Whether any version of the type declares personal fields."""
    return name in _PERSONAL_TYPES


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
    structured = None
    if isinstance(field, fields.Nested):
        structured = _object_schema(field.schema)
    elif isinstance(field, fields.List):
        structured = {"type": "array", "items": _field_schema(field.inner)}
    elif isinstance(field, fields.Dict):
        structured = {"type": "object"}
    if structured is not None:
        return {"anyOf": [structured, {"type": "null"}]} if field.allow_none else structured
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
