"""How every gateway endpoint is made: guard, parse, call, dump, audit, and errors as problems.

``@endpoint`` wraps nameko's ``@http`` and records the operation in ``OPERATIONS`` (the
OpenAPI document is generated from that list, so the document and the code cannot drift).
Each operation must say which roles may call it (``roles``; ``PUBLIC`` for none): there is
no default but deny. In order, a request is: rate-limited by client address, authenticated
(token, then the session's live grants from identity), rate-limited by user, role-checked,
its ``If-Match`` / ``Idempotency-Key`` headers read, its JSON body and query string loaded
through marshmallow schemas, handed to the handler, dumped through the response schema,
and, if it changes state, recorded in the audit trail whatever its outcome.
"""
import functools
import json
import re
from dataclasses import dataclass, field

from marshmallow import Schema, fields
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from shared.errors import Forbidden, NotFound, PreconditionRequired
from shared.text import storable, text_problems

from .auth import Caller, bearer_token
from .guard import RateLimited
from .problems import BadRequest, PayloadTooLarge, outcome_of, problem_for

CORRELATION_HEADER = "X-Correlation-Id"
PUBLIC = ()
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
# A client's correlation id is adopted only if it is plain text: it is logged, stored in the
# audit trail and sent on in every event, so it must be storable everywhere.
CLIENT_CORRELATION = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,100}$")
MAX_PATH_PARAM = 64  # characters: every identifier in a path (docs.py declares the same maxLength)
MAX_BODY = 64 * 1024  # bytes: every body this API takes is a small form
OPERATIONS: list["Operation"] = []


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    roles: tuple[str, ...]
    summary: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    also: tuple[int, ...] = ()  # other success statuses the handler may answer (202: accepted, not done)
    errors: tuple[int, ...] = ()
    if_match: bool | str = False  # True: required (428 without); "optional": checked when sent
    idempotent: bool | str = False  # True: an Idempotency-Key is honoured; "required": it must be sent
    etag: bool = False
    location: str | None = None  # of what a 201 created, filled from the result's fields
    # identity records the logins it sees itself (the lockout counts them); the gateway
    # records only those it refuses before they get there
    audited_by_service: bool = False
    scope: str = "target"  # "self": acts only on the caller's own session or profile
    # public, but a caller who sends a token is identified (a richer answer for staff)
    identifies: bool = False

    @property
    def public(self) -> bool:
        return not self.roles

    @property
    def changes_state(self) -> bool:
        return self.method in STATE_CHANGING

    # Built once per operation, not per request: building a marshmallow schema costs about
    # as much as using it (~85 µs), and a built one keeps no state between loads and dumps.
    @functools.cached_property
    def body_schema(self) -> Schema | None:
        return self.body() if self.body else None

    @functools.cached_property
    def query_schema(self) -> Schema | None:
        return self.query() if self.query else None

    @functools.cached_property
    def response_schema(self) -> Schema | None:
        return self.response() if self.response else None


@dataclass
class Call:
    """One request as a handler sees it."""
    operation: Operation
    request: object  # werkzeug's Request
    address: str
    caller: Caller | None = None
    role: str | None = None
    body: dict | None = None
    query: dict | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    audit: dict = field(default_factory=dict)  # store_id / target_id / role the handler knows
    handled: bool = False  # the handler ran (a login refused before it is the gateway's to audit)

    def wire(self) -> dict:
        """The loaded body as JSON-ready data for an RPC (dates back to ISO 8601 strings)."""
        return self.operation.body_schema.dump(self.body)

    def actor(self) -> dict:
        """Who acts, as the services record it on their events."""
        return {"account_id": self.caller.account_id if self.caller else None, "role": self.role}

    def scoped_key(self) -> str | None:
        """The client's key, namespaced by account so two callers never share one."""
        if self.idempotency_key is None:
            return None
        return f"{self.caller.account_id if self.caller else 'anonymous'}:{self.idempotency_key}"


def read_body(request) -> bytes:
    """At most MAX_BODY bytes, checked before reading (and while reading, for chunked bodies)
    so a huge body never reaches the parser."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise PayloadTooLarge(f"the body is over {MAX_BODY} bytes")
    data = request.stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise PayloadTooLarge(f"the body is over {MAX_BODY} bytes")
    return data


def load_json(request, schema: Schema) -> dict:
    if not (request.mimetype or "").endswith("json"):
        raise BadRequest("send the body as application/json", {"body": ["not JSON"]})
    try:
        raw = json.loads(read_body(request).decode("utf-8") or "null")
        if not isinstance(raw, dict):
            raise BadRequest("the body must be a JSON object", {"body": ["not a JSON object"]})
        reject_unstorable(body=raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        if isinstance(exc, BadRequest):
            raise
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "not valid JSON"
        raise BadRequest(f"the body is not valid JSON: {reason}", {"body": [reason]}) from None
    return schema.load(raw)


def unstorable_text(value, where: str = "") -> dict:
    """Field errors for strings no database should be handed: NUL (PostgreSQL refuses it in
    text) or lone surrogates (not encodable as UTF-8). Valid JSON can carry both."""
    if isinstance(value, dict | list):
        found = {}
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found.update(unstorable_text(str(key), where or "_body"))
            found.update(unstorable_text(item, f"{where}.{key}" if where else str(key)))
        return found
    if isinstance(value, str) and (problems := text_problems(value)):
        return {where or "_body": problems}
    return {}


def reject_unstorable(**parts) -> None:
    errors = {}
    for part in parts.values():
        errors.update(unstorable_text(part))
    if errors:
        raise BadRequest("the request carries text that cannot be stored", errors)


def query_args(args, schema: Schema) -> dict:
    """The query string for ``schema``: a list where the field is a list (``?a=1&a=2``),
    else the one value (a repeated scalar is an error, not silently the first)."""
    loaded = {}
    for key, values in args.to_dict(flat=False).items():
        declared = next((f for f in schema.fields.values() if (f.data_key or f.name) == key), None)
        if isinstance(declared, fields.List):
            loaded[key] = values
        elif len(values) == 1:
            loaded[key] = values[0]
        else:
            raise BadRequest(f"give {key} once", {key: ["repeated"]})
    return loaded


def json_response(status: int, payload) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def read_if_match(request, required: bool = True) -> int:
    value = request.headers.get("If-Match")
    if not value and required:
        raise PreconditionRequired("send If-Match with the version you read (its ETag)")
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', value)
    if not match:
        raise BadRequest("If-Match must be the resource's ETag, e.g. \"3\"",
                         {"If-Match": ["not a version"]})
    return int(match.group(1))


def read_idempotency_key(request) -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise BadRequest("Idempotency-Key must be 8 to 100 characters of A-Z a-z 0-9 . _ : -",
                         {"Idempotency-Key": ["not a valid key"]})
    return value


def endpoint(method: str, path: str, *, roles: tuple[str, ...], body: type[Schema] | None = None,
             query: type[Schema] | None = None, response: type[Schema] | None = None,
             status: int = 200, also: tuple[int, ...] = (), errors: tuple[int, ...] = (),
             if_match: bool = False,
             idempotent: bool | str = False, etag: bool = False, location: str | None = None,
             audited_by_service: bool = False, scope: str = "target", document: bool = True,
             identifies: bool = False):
    def decorate(fn):
        operation = Operation(
            name=fn.__name__, method=method, path=path, roles=tuple(roles),
            summary=(fn.__doc__ or fn.__name__).strip().splitlines()[0], body=body, query=query,
            response=response, status=status, also=also, errors=errors, if_match=if_match,
            idempotent=idempotent, etag=etag, location=location,
            audited_by_service=audited_by_service, scope=scope, identifies=identifies)
        if document:
            OPERATIONS.append(operation)

        @functools.wraps(fn)
        def handle(self, request, **path_args):
            supplied = request.headers.get(CORRELATION_HEADER, "")
            if CLIENT_CORRELATION.fullmatch(supplied):
                self.correlation.adopt(supplied)
            cid = self.correlation.id
            call = Call(operation, request, self.guard.client_address(request))
            shed = False
            try:
                out = _serve(self, fn, operation, call, request, path_args)
            except Exception as exc:
                out = problem_for(exc, cid)
                self.correlation.failed(outcome_of(exc))
                # Load shed by a rate limit changed nothing and costs no audit write (metric only).
                shed = isinstance(exc, RateLimited)
            out.headers[CORRELATION_HEADER] = cid
            if operation.changes_state and not shed and not (operation.audited_by_service and call.handled):
                _audit(self, call, path_args, out.status_code, cid)
            return out
        return http(method, path)(handle)
    return decorate


def _serve(service, fn, operation: Operation, call: Call, request, path_args) -> Response:
    guard = service.guard
    guard.limit_address(call.address)
    if operation.public and operation.changes_state:
        guard.limit_public_write(call.address)
    if not operation.public or (operation.identifies and request.headers.get("Authorization")):
        claims = guard.tokens.verify(bearer_token(request.headers.get("Authorization")))
        call.caller = Caller.from_principal(
            service.identity.principal(session_id=claims["sid"], account_id=claims["sub"]))
        guard.limit_user(call.caller.account_id)
    if not operation.public:
        allowed = call.caller.roles_among(operation.roles)
        if not allowed:
            raise Forbidden(f"your roles may not call {operation.name}")
        call.role = allowed[0]
    too_long = [name for name, value in path_args.items() if len(value) > MAX_PATH_PARAM]
    if too_long:  # no identifier is that long: it names nothing (the document says maxLength)
        raise NotFound(f"no {too_long[0].removesuffix('_id').replace('_', ' ')} with such a long id")
    reject_unstorable(path=path_args, query={key: values[0] if len(values) == 1 else values
                                             for key, values in request.args.to_dict(flat=False).items()})
    if operation.if_match is True or (operation.if_match and "If-Match" in request.headers):
        call.expected_version = read_if_match(request, required=operation.if_match is True)
    if operation.idempotent:
        call.idempotency_key = read_idempotency_key(request)
        if operation.idempotent == "required" and call.idempotency_key is None:
            raise BadRequest("send an Idempotency-Key: this request moves money",
                             {"Idempotency-Key": ["required"]})
    if operation.body_schema is not None:
        call.body = load_json(request, operation.body_schema)
    if operation.query_schema is not None:
        call.query = operation.query_schema.load(query_args(request.args, operation.query_schema))
    call.handled = True
    result = fn(service, call, **path_args)
    if isinstance(result, Response):
        return result
    payload = operation.response_schema.dump(result) if operation.response_schema else result
    out = json_response(operation.status, payload)
    if operation.etag and isinstance(result, dict) and "version" in result:
        out.headers["ETag"] = f'"{result["version"]}"'
    if operation.location and isinstance(result, dict):
        out.headers["Location"] = operation.location.format(**result)
    return out


def _audit(service, call: Call, path_args: dict, status: int, cid: str) -> None:
    """Hand the request to the audit trail (audit.py), whatever its outcome."""
    caller = call.caller
    target = storable(call.audit.get("target_id") or next(iter(path_args.values()), None), 64)
    store = storable(call.audit.get("store_id") or (call.body or {}).get("store_id"), 64)
    outcome = ("success" if status < 400 else "denied" if status in (401, 403)
               else "error" if status >= 500 else "failed")
    entry = {"actor_id": caller.account_id if caller else None,
             "username": caller.username if caller else None,
             "role": call.audit.get("role") or call.role, "store_id": store,
             "operation": call.operation.name, "target_id": target, "outcome": outcome,
             "status": status, "client_address": storable(call.address, 100),
             "correlation_id": cid}
    service.audit_trail.record(entry, cid)
