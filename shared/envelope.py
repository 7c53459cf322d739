"""The CloudEvents 1.0 structured envelope every published event travels in.

An envelope is built once, when the event is appended, and stored as the JSON text
that the relay publishes byte for byte; consumers parse it back with ``parse``.
Extension attributes carry store id, stream version, correlation, causation and the
schema version (CloudEvents extension names are lower-case letters and digits only).
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
SERIALIZER_NAME = "cloudevents"
REQUIRED = ("specversion", "id", "source", "type", "time", "subject", "datacontenttype",
            "streamversion", "schemaversion", "data")


class EnvelopeError(ValueError):
    """A message that is not a valid envelope of ours."""


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    subject: str
    streamversion: int
    schemaversion: int
    data: dict
    time: str = field(default_factory=lambda: utc_iso(datetime.now(UTC)))
    storeid: str | None = None
    correlationid: str | None = None
    causationid: str | None = None

    @classmethod
    def new(cls, **kwargs) -> "Envelope":
        return cls(id=str(uuid.uuid4()), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "specversion": SPECVERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
            "streamversion": self.streamversion,
            "schemaversion": self.schemaversion,
            "data": self.data,
        }
        for name in ("storeid", "correlationid", "causationid"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)


def utc_iso(moment: datetime) -> str:
    """RFC 3339 UTC with a Z, the one time format on the wire."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse(body: str | bytes | dict) -> Envelope:
    """Turn a received message body back into an Envelope, or raise EnvelopeError."""
    try:
        raw = json.loads(body) if isinstance(body, (str, bytes)) else dict(body)
    except (TypeError, ValueError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise EnvelopeError(f"not a JSON object: {type(raw).__name__}")
    missing = [name for name in REQUIRED if name not in raw]
    if missing:
        raise EnvelopeError(f"missing attributes: {', '.join(missing)}")
    if raw["specversion"] != SPECVERSION:
        raise EnvelopeError(f"unsupported specversion {raw['specversion']!r}")
    # What the consumer keys and stores by must be what its tables take.
    for name, longest in (("id", 100), ("type", 100), ("subject", 200), ("source", 100)):
        value = raw[name]
        if not isinstance(value, str) or not 0 < len(value) <= longest or "\x00" in value:
            raise EnvelopeError(f"{name} must be a string of 1 to {longest} characters")
    for name in ("streamversion", "schemaversion"):
        if not isinstance(raw[name], int) or isinstance(raw[name], bool) or raw[name] < 1:
            raise EnvelopeError(f"{name} must be a positive integer")
    if not isinstance(raw["data"], dict):
        raise EnvelopeError("data must be a JSON object")
    return Envelope(
        id=raw["id"], source=raw["source"], type=raw["type"], subject=raw["subject"],
        streamversion=raw["streamversion"], schemaversion=raw["schemaversion"],
        data=raw["data"], time=raw["time"], storeid=raw.get("storeid"),
        correlationid=raw.get("correlationid"), causationid=raw.get("causationid"),
    )


def from_stored(text: str) -> Envelope:
    """An envelope this service's own store wrote (validated when it was appended).

    The fast path for replays: no attribute checks and no dataclass ``__init__`` (a frozen
    dataclass sets each of its 11 fields through ``object.__setattr__``)."""
    raw = json.loads(text)
    envelope = object.__new__(Envelope)
    envelope.__dict__.update(
        id=raw["id"], source=raw["source"], type=raw["type"], subject=raw["subject"],
        streamversion=raw["streamversion"], schemaversion=raw["schemaversion"], data=raw["data"],
        time=raw["time"], storeid=raw.get("storeid"), correlationid=raw.get("correlationid"),
        causationid=raw.get("causationid"))
    return envelope


def _encode(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _decode(text) -> dict:
    return json.loads(text)


def serializer_config() -> dict:
    """nameko SERIALIZERS entry so ``@event_handler`` accepts our content type."""
    return {
        SERIALIZER_NAME: {
            "encoder": "shared.envelope._encode",
            "decoder": "shared.envelope._decode",
            "content_type": CONTENT_TYPE,
        }
    }
