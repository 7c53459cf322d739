"""How every gateway endpoint is made: parse, call, dump, and errors as problems.

``@endpoint`` wraps nameko's ``@http``: it loads the JSON body and/or query string through
marshmallow schemas, adopts the client's ``X-Correlation-Id`` (or mints one), calls the
handler, dumps its result through the response schema, and turns any exception into a
problem response (problems.py). Handlers hold no business rules: one RPC and a result.
"""
import functools
import json

from marshmallow import Schema
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from .problems import BadRequest, problem_for

CORRELATION_HEADER = "X-Correlation-Id"


def load_json(request, schema: Schema) -> dict:
    if not (request.mimetype or "").endswith("json"):
        raise BadRequest("send the body as application/json")
    try:
        raw = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise BadRequest("the body must be a JSON object")
    return schema.load(raw)


def json_response(status: int, payload, correlation_id: str) -> Response:
    response = Response(json.dumps(payload), status=status, mimetype="application/json")
    response.headers[CORRELATION_HEADER] = correlation_id
    return response


def endpoint(method: str, path: str, body: type[Schema] | None = None,
             query: type[Schema] | None = None, response: type[Schema] | None = None,
             status: int = 200):
    def decorate(fn):
        @functools.wraps(fn)
        def handle(self, request, **path_args):
            supplied = request.headers.get(CORRELATION_HEADER, "")[:100]
            if supplied:
                self.correlation.adopt(supplied)
            cid = self.correlation.id
            try:
                if body is not None:
                    path_args["body"] = load_json(request, body())
                if query is not None:
                    path_args["query"] = query().load(request.args.to_dict())
                result = fn(self, request, **path_args)
            except Exception as exc:
                out = problem_for(exc, cid)
                out.headers[CORRELATION_HEADER] = cid
                return out
            if isinstance(result, Response):
                result.headers[CORRELATION_HEADER] = cid
                return result
            return json_response(status, response().dump(result) if response else result, cid)
        return http(method, path)(handle)
    return decorate
