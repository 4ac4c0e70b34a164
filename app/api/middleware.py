"""Middlewares: request context (id, timing, log, metrics), the one error mapper, and auth."""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from app.api import errors as api
from app.api import keys
from app.api.protocol import watch_request
from app.services.logsetup import access_log
from app.services.observability import log_json, request_id
from control import errors as core

# Domain error → HTTP status. Order matters only for classes that inherit from each other.
STATUS: tuple[tuple[type[core.HmiError], int], ...] = (
    (api.BadRequest, 400),
    (api.Unauthorized, 401),
    (api.Forbidden, 403),
    (core.NotFound, 404),
    (api.MethodNotAllowed, 405),
    (api.PayloadTooLarge, 413),
    (core.InvalidField, 422),
    (core.HmiDisabled, 423),
    (core.StateConflict, 409),
    (api.RateLimited, 429),
    (core.CoreUnavailable, 503),
    (core.StorageUnavailable, 503),
)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def status_of(err: core.HmiError) -> int:
    for cls, status in STATUS:
        if isinstance(err, cls):
            return status
    return 409  # any other refusal by the core is a state conflict


def error_response(request: web.Request, status: int, body: Mapping[str, object]) -> web.Response:
    rid = request.get(keys.REQUEST_ID, "")
    body = {**body, "request_id": rid}
    return web.json_response({"error": body, "request_id": rid}, status=status)


@web.middleware
async def context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id in, X-Request-Id out; one access-log line (debug) and one histogram sample."""
    watch_request(request)
    rid = request_id(request.headers.get("X-Request-Id"))
    request[keys.REQUEST_ID] = rid
    request[keys.PRINCIPAL] = None
    start = time.perf_counter()
    response = await handler(request)
    elapsed = time.perf_counter() - start
    response.headers["X-Request-Id"] = rid
    route = _route_label(request)
    request.app[keys.METRICS].http.labels(route, request.method, str(response.status)).observe(
        elapsed
    )
    principal = request.get(keys.PRINCIPAL)
    access_log(
        request_id=rid,
        method=request.method,
        route=route,
        path=request.path,
        status=response.status,
        duration_ms=round(elapsed * 1000, 3),
        remote=request.remote,
        who=principal.name if principal else None,
    )
    return response


def _route_label(request: web.Request) -> str:
    if request.match_info.http_exception is not None:
        return "unmatched"
    return request.match_info.route.resource.canonical if request.match_info.route.resource else "?"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The only place errors become HTTP: domain errors by class, router errors by status."""
    try:
        return await handler(request)
    except core.HmiError as err:
        response = error_response(request, status_of(err), err.to_dict())
        if isinstance(err, api.RateLimited):
            response.headers["Retry-After"] = str(max(1, round(err.retry_after_s)))
        if isinstance(err, api.MethodNotAllowed):
            response.headers["Allow"] = ", ".join(err.allowed)
        if isinstance(err, api.UnreadableBody):
            response.force_close()
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, "http_error")
        return error_response(request, exc.status, {"code": code, "message": exc.reason})
    except ConnectionError as err:  # the client left (or was dropped) while we read its body
        log_json("http_client_gone", "debug", request_id=request.get(keys.REQUEST_ID),
                 path=request.path, error=f"{type(err).__name__}: {err}")  # fmt: skip
        body = {"code": "bad_request", "message": "the request did not arrive whole"}
        return error_response(request, 400, body)
    except Exception as err:
        log_json(
            "http_internal_error",
            "error",
            request_id=request.get(keys.REQUEST_ID),
            path=request.path,
            error=f"{type(err).__name__}: {err}",
            trace=traceback.format_exc(limit=8),
        )
        body = {"code": "internal", "message": "internal error; see the server log"}
        return error_response(request, 500, body)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route declares a role (None = anonymous); unknown /api/ paths need a token first."""
    auth = request.app[keys.AUTH]
    address = request.remote or "?"
    miss = request.match_info.http_exception
    if miss is not None:
        if request.path.startswith("/api/"):
            request[keys.PRINCIPAL] = auth.check(_bearer(request), address, "viewer")
        if isinstance(miss, web.HTTPMethodNotAllowed):
            raise api.MethodNotAllowed(
                f"{request.method} is not allowed here", sorted(miss.allowed_methods)
            )
        raise core.NotFound(f"no route {request.method} {request.path}")
    canonical = request.match_info.route.resource.canonical  # type: ignore[union-attr]
    spec = request.app[keys.ROUTES][(request.method, canonical)]
    role = spec.role_for(request.app[keys.CFG])
    if role is not None:
        request[keys.PRINCIPAL] = auth.check(_bearer(request), address, role)
    return await handler(request)


def _bearer(request: web.Request) -> str | None:
    return request.headers.get("Authorization")
