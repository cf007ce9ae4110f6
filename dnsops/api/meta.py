# -*- test-case-name: tests.test_api -*-
"""The unauthenticated endpoints: the OpenAPI document, C{/health} and C{/metrics}."""

from dnsops.api.app import Api, Call, json_bytes
from dnsops.api.schemas import BOOLEAN, STRING, obj
from dnsops.metrics import CONTENT_TYPE, Metrics

_HEALTH = obj(status=STRING, listeners={"type": "object", "additionalProperties": BOOLEAN})


def metrics_of(api: Api) -> Metrics:
    """The service's L{Metrics}, or one made here over the injected counters."""
    deps = api.deps
    if deps.metrics is None:
        deps.metrics = Metrics(
            deps.clock, stats=deps.stats, cache=deps.cache, upstream_status=deps.upstream_status
        )
    return deps.metrics


def add_routes(api: Api) -> None:
    """Register the document, health and metrics endpoints."""
    metrics_of(api)

    @api.route("GET", "/api/openapi.json", scope=None, summary="This document",
               response={"type": "object"})
    def openapi(call: Call) -> dict:
        return api.spec.document()

    @api.route("GET", "/health", scope=None, errors=(503,), response=_HEALTH,
               summary="Each listener's state: 200 when all are up, 503 when one is down")
    def health(call: Call) -> bytes:
        listeners = api.deps.listeners() if api.deps.listeners is not None else {}
        listeners = {name: bool(up) for name, up in listeners.items()}
        healthy = all(listeners.values())
        call.request.setHeader(b"content-type", b"application/json")
        call.request.setResponseCode(200 if healthy else 503)
        return json_bytes({"status": "ok" if healthy else "down", "listeners": listeners})

    @api.route("GET", "/metrics", scope=None, summary="Prometheus text exposition",
               response={"type": "string"}, response_type="text/plain")
    def metrics(call: Call) -> bytes:
        call.request.setHeader(b"content-type", CONTENT_TYPE.encode())
        return api.deps.metrics.render()
