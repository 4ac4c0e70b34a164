"""The OpenAPI 3 document, generated from the route table so the two cannot drift apart."""

from __future__ import annotations

import re
from typing import Any

from app import __version__
from app.api import schemas as s
from app.api.limits import FieldLimits, body_limits, with_limits
from app.api.routes import ROUTES, Route
from machine_config.config import Config

_PARAM = re.compile(r"{(\w+)}")
ERROR_TEXT = {
    400: "Malformed JSON, not an object, or wrong content type",
    401: "Missing or invalid bearer token",
    403: "Role too low (or remote start not allowed)",
    404: "Unknown route, zone, motor, output, alarm or fault",
    409: "Refused by machine state",
    422: "A field out of range or of the wrong type (names `field`, with `min`/`max`)",
    423: "HMI disabled (legacy panel in charge)",
    429: "Too many failed authentications from this address",
    503: "Control loop did not answer, or the data directory failed; nothing was changed",
}


def build_openapi(cfg: Config) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    limits = body_limits(cfg)
    for route in ROUTES:
        op = _operation(route, cfg, limits.get((route.method, route.path), {}))
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "TVEmicro REST side server",
            "version": __version__,
            "description": "Status, commands, alarms, history and (with --sim) fault injection. "
            "A 2xx means the command was applied; errors use one JSON envelope.",
        },
        "paths": paths,
        "components": {
            "schemas": {name: _oas30(schema) for name, schema in s.COMPONENTS.items()},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, cfg: Config, limits: FieldLimits) -> dict[str, Any]:
    role = route.role_for(cfg)
    op: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": route.summary,
        "description": (f"Role: {role}." if role else "Anonymous.")
        + (" Simulation only: 404 on real hardware." if route.sim_only else ""),
        "responses": _responses(route, role),
    }
    params = [_path_param(name) for name in _PARAM.findall(route.path)]
    params += [
        {"name": p.name, "in": "query", "required": False, "schema": _oas30(p.schema),
         "description": p.description}
        for p in route.query
    ]  # fmt: skip
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": _oas30(with_limits(route.body, limits))}},
        }
    op["security"] = [{"bearer": []}] if role else []
    return op


def _operation_id(route: Route) -> str:
    words = re.sub(r"[{}.]", "", route.path.removeprefix("/api/v1")).strip("/").split("/")
    return route.method.lower() + "".join(w.replace("-", "_").title() for w in words if w)


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _responses(route: Route, role: str | None) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if route.produces == "application/json":
        ok["content"] = {"application/json": {"schema": _oas30(route.response or s.ANY_OBJECT)}}
    else:
        ok["content"] = {route.produces: {"schema": {"type": "string"}}}
    out: dict[str, Any] = {"200": ok}
    if route.path == "/health":
        out["503"] = {"description": "A check is failing", "content": ok["content"]}
    for code in _error_codes(route, role):
        out[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": s.ref("Error")}},
        }
    return out


def _error_codes(route: Route, role: str | None) -> list[int]:
    codes: set[int] = set()
    if role is not None:
        codes |= {401, 403, 429}
    if (
        "{" in route.path
        or route.sim_only
        or route.path.endswith(("history", "history.csv", "audit"))
    ):
        codes.add(404)
    if route.path.endswith(("history", "history.csv", "audit")):
        codes.add(503)  # storage_unavailable
    if route.body is not None:
        codes |= {400, 422}
    if route.query:
        codes.add(422)
    if route.command:
        codes |= {409, 423, 503}
    return sorted(codes)


def _oas30(schema: Any) -> Any:
    """JSON Schema → OpenAPI 3.0 dialect: `type: [T, "null"]` becomes `type: T, nullable`."""
    if isinstance(schema, list):
        return [_oas30(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _oas30(v) for k, v in schema.items()}
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        out["type"] = rest[0]
        out["nullable"] = True
    if "exclusiveMinimum" in out and not isinstance(out["exclusiveMinimum"], bool):
        out["minimum"] = out.pop("exclusiveMinimum")
        out["exclusiveMinimum"] = True
    return out
