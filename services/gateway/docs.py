"""The API's documents: OpenAPI 3 from the endpoint declarations, and a human docs page.

The OpenAPI document is built by apispec from ``api.OPERATIONS`` and the marshmallow
schemas the endpoints load and dump, so it cannot drift from the code. Each operation also
carries ``x-roles`` (who may call it), ``x-identifies`` (public, but a token sent is read)
and ``x-scope`` ("self" when it touches only the
caller's own session or profile). ``/docs`` is Swagger UI served from the
swagger-ui-bundle package's files: it works with no internet access.
"""
import functools
import json
import mimetypes
import re
from pathlib import Path

import swagger_ui_bundle
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from werkzeug.wrappers import Response

from shared.errors import NotFound

from .api import MAX_PATH_PARAM, OPERATIONS, Operation
from .problems import PROBLEM_MIMETYPE, TITLES
from .schemas.common import Problem

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
DESCRIPTION = """The salon platform's HTTP API.

Log in with `POST /api/v1/auth/token` and send `Authorization: Bearer <access_token>`.
Errors are `application/problem+json` (RFC 9457) with a stable `type`. Updates take
`If-Match` with the resource's ETag (412 when stale); money-moving POSTs take an
`Idempotency-Key`. Each operation lists the roles that may call it under `x-roles`."""
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Salon platform API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
</script></body></html>"""


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def _errors(operation: Operation) -> list[int]:
    codes = set(operation.errors) | {429, 503, 504}
    if operation.body or operation.query or operation.if_match or operation.idempotent \
            or PATH_PARAM.search(operation.path):
        codes.add(400)
    if operation.body:
        codes.add(413)
    if not operation.public:
        codes |= {401, 403}
    elif operation.identifies:
        codes.add(401)
    return sorted(codes)


def _parameters(operation: Operation) -> list[dict]:
    params = [{"in": "path", "name": name, "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM}}
              for name in PATH_PARAM.findall(operation.path)]
    if operation.query:
        params.append({"in": "query", "schema": operation.query})
    if operation.if_match:
        params.append({"in": "header", "name": "If-Match", "required": operation.if_match is True,
                       "description": "the ETag (version) of the resource as you read it"
                       + ("" if operation.if_match is True else "; optional: sent, it is checked"),
                       "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,9}"?$'}})
    if operation.idempotent:
        params.append({"in": "header", "name": "Idempotency-Key",
                       "required": operation.idempotent == "required",
                       "description": "retrying with the same key returns the first result",
                       "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{8,100}$"}})
    return params


def _responses(operation: Operation) -> dict:
    success = {"description": "OK" if operation.status == 200 else "Created"}
    if operation.response:
        success["content"] = {"application/json": {"schema": operation.response}}
    headers = {}
    if operation.etag:
        headers["ETag"] = {"description": "the version, for If-Match", "schema": {"type": "string"}}
    if operation.location:
        headers["Location"] = {"description": "where the new resource is read",
                               "schema": {"type": "string"}}
    if headers:
        success["headers"] = headers
    responses = {str(operation.status): success}
    for code in operation.also:
        responses[str(code)] = {**success,
                                "description": "Accepted: not finished yet" if code == 202 else "OK"}
    for code in _errors(operation):
        error = {"description": TITLES.get(code, "Error"),
                 "content": {PROBLEM_MIMETYPE: {"schema": "Problem"}}}
        if code in (429, 503):
            error["headers"] = {"Retry-After": {"description": "seconds",
                                                "schema": {"type": "integer"}}}
        responses[str(code)] = error
    return responses


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec(title="Salon platform API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": DESCRIPTION})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Problem", schema=Problem)
    paths: dict[str, dict] = {}
    for operation in OPERATIONS:
        doc = {"operationId": operation.name, "summary": operation.summary,
               "tags": [operation.path.split("/")[3]],
               "security": ([{}, {"bearer": []}] if operation.identifies else [])
               if operation.public else [{"bearer": []}],
               "x-roles": list(operation.roles), "x-scope": operation.scope,
               "x-identifies": operation.identifies,
               "parameters": _parameters(operation), "responses": _responses(operation)}
        if operation.body:
            doc["requestBody"] = {"required": True,
                                  "content": {"application/json": {"schema": operation.body}}}
        paths.setdefault(PATH_PARAM.sub(r"{\1}", operation.path), {})[operation.method.lower()] = doc
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def page() -> Response:
    return Response(PAGE, mimetype="text/html")


def asset(filename: str) -> Response:
    path = ASSETS / filename
    if filename.startswith(".") or not path.is_file() or path.parent != ASSETS:
        raise NotFound(f"no such file: {filename}")
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def write(path: Path) -> None:
    path.write_text(json.dumps(openapi_document(), indent=2) + "\n")
