"""The ASGI app of ``nlp serve`` (Starlette).

One :class:`Service` per worker process holds the pipeline (loaded once, warmed up by one
annotation) and a single annotation thread: annotation is CPU-bound, so it runs off the event loop
(health checks and the page stay answered while an article is annotated) and one article at a time
per process; ``--workers N`` starts N processes.

Status codes: 200; 400 a body that is not JSON, or is empty; 401 a ``/v1`` call without the API key;
404/405 unknown path or method; 413 a body over ``max_bytes``; 415 an unsupported Content-Type;
422 JSON of the wrong shape or types, or an article that cannot be annotated (the body is then its
error record); 503 the worker's queue is full (``Retry-After``); 504 the per-request time limit
passed.  Every error body is one line of JSON: ``{"error": {"type": ..., "message": ...}, "request_id": ...}``.
Logs name a request by its id and size only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from nlp import SCHEMA_VERSION, __version__
from nlp.doc import Article, Failure, to_json_line
from nlp.jobs.runner import fewer_collections, make_pipeline
from nlp.pipeline import Pipeline
from nlp.serve import config as serve_config
from nlp.serve.config import ServeConfig, settings_summary
from nlp.serve.inputs import RequestError, TooLarge, batch_articles, single_article
from nlp.serve.openapi import openapi_document
from nlp.serve.page import PAGE
from nlp.settings import Settings

log = logging.getLogger("nlp.serve")
JSON = "application/json"
JSONL = "application/x-ndjson"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_WARM_UP = Article(id="warm-up", source="<warm-up>", title="服务启动", body="模型加载完成，服务开始接受请求。", is_html=False)


class Service:
    """What one worker process holds: the pipeline, its annotation thread and the limits."""

    def __init__(self, pipeline: Pipeline, config: ServeConfig) -> None:
        self.pipeline = pipeline
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp-annotate")
        self.pending = 0
        self.started = time.time()
        self.annotate_lines([_WARM_UP])  # loads what the pipeline loads on first use (IDF, ranker, model arrays)

    def annotate_lines(self, records: Sequence[Article | Failure]) -> list[tuple[str, bool]]:
        """(JSON line, is an error record) per record, in order: the CLI's records, byte for byte.
        An unexpected error inside the pipeline costs only its article (an InternalError record)."""
        if not records:
            return []
        try:
            with fewer_collections():
                results = self.pipeline.annotate_batch(records)
        except Exception:  # noqa: BLE001 - retried one by one so that only the culprit fails
            results = [self._one(record) for record in records]
        return [(to_json_line(item.to_dict()), isinstance(item, Failure)) for item in results]

    def _one(self, record: Article | Failure) -> Any:
        try:
            return self.pipeline.annotate_batch([record])[0]
        except Exception as error:  # noqa: BLE001
            log.warning("annotation failed inside the pipeline: %s", type(error).__name__)
            return Failure(record.id, record.source, "InternalError", f"annotation failed ({type(error).__name__})")

    async def run(self, read: Callable[[], Sequence[Article | Failure]]) -> list[tuple[str, bool]]:
        """Read the body's records and annotate them on the annotation thread, off the event loop, within the
        time limit (503 when the queue is full, 504 late; a RequestError from ``read`` passes through)."""
        if self.pending >= self.config.max_pending:
            raise Busy(f"{self.pending} requests are waiting in this worker; retry later")
        self.pending += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self.executor, lambda: self.annotate_lines(read()))
            return await asyncio.wait_for(future, self.config.timeout)
        except asyncio.TimeoutError:
            raise Timeout(f"annotation did not finish within {self.config.timeout:g} s") from None
        finally:
            self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class Busy(RequestError):
    status, kind = 503, "Busy"


class Timeout(RequestError):
    status, kind = 504, "Timeout"


def create_app(settings: Settings, model_dir: Path | None, *, api_key: str | None = None,
               max_bytes: int = serve_config.DEFAULT_MAX_BYTES, timeout: float = serve_config.DEFAULT_TIMEOUT,
               max_pending: int = serve_config.DEFAULT_MAX_PENDING) -> Starlette:
    """The app, with its pipeline loaded (raises NlpError for a bad model or settings)."""
    config = ServeConfig(settings, model_dir, max_bytes, timeout, max_pending)
    service = Service(make_pipeline(settings, model_dir), config)
    return _build(service, api_key)


def from_environment() -> Starlette:
    """The app a uvicorn worker process builds (``nlp serve`` passes its options in the environment)."""
    config, api_key = serve_config.from_environment()
    return create_app(config.settings, config.model_dir, api_key=api_key, max_bytes=config.max_bytes,
                      timeout=config.timeout, max_pending=config.max_pending)


def _build(service: Service, api_key: str | None) -> Starlette:
    settings = service.pipeline.settings
    naive_offset = settings.naive_utc_offset

    async def annotate(request: Request) -> Response:
        body = await _read_body(request, service.config.max_bytes)
        content_type, article_id, source = request.headers.get("content-type"), _param(request, "id"), _param(request, "source")
        (line, failed), = await service.run(lambda: [single_article(body, content_type, article_id=article_id, source=source,
                                                                    naive_offset=naive_offset)])
        return Response(line, status_code=422 if failed else 200, media_type=JSON)

    async def annotate_batch(request: Request) -> Response:
        body = await _read_body(request, service.config.max_bytes)
        content_type, source = request.headers.get("content-type"), _param(request, "source")
        results = await service.run(lambda: batch_articles(body, content_type, source=source, naive_offset=naive_offset))
        errors = sum(failed for _, failed in results)
        return Response("".join(line for line, _ in results), media_type=JSONL,
                        headers={"X-Records": str(len(results)), "X-Errors": str(errors)})

    async def health(request: Request) -> Response:
        model = service.pipeline.model
        return JSONResponse({"status": "ok", "version": __version__, "schema_version": SCHEMA_VERSION,
                             "model": {"name": model.card.get("name", "model"), "version": model.card.get("version", "")}
                             if model else None, "pid": os.getpid(),
                             "pending": service.pending, "uptime_s": round(time.time() - service.started, 1)})

    async def model_cards(request: Request) -> Response:
        return JSONResponse(_cards(service.pipeline))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(api_key_required=bool(api_key), max_bytes=service.config.max_bytes))

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                                                                      "script-src 'unsafe-inline'"})

    routes = [
        Route("/v1/annotate", annotate, methods=["POST"]),
        Route("/v1/annotate/batch", annotate_batch, methods=["POST"]),
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/model", model_cards, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/", page, methods=["GET"]),
    ]
    handlers = {HTTPException: _http_error, RequestError: _request_error}
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        service.close()

    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.add_middleware(_Guard, api_key=api_key)
    app.state.service = service
    return app


def _cards(pipeline: Pipeline) -> dict[str, Any]:
    """The cards of what annotation uses: the category model, the keyword ranker, the settings."""
    ranker = pipeline.ranker if pipeline.settings.method == "combined" and pipeline.settings.top_k else None
    ranker_card = dict(ranker.info) if ranker is not None else None
    return {"category": pipeline.model.card if pipeline.model else None,
            "keywords": {"method": pipeline.settings.method, "ranker": ranker_card},
            "settings": settings_summary(pipeline.settings)}


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` (by Content-Length or by counting)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(f"request body of {int(length)} bytes is over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    request.scope.setdefault("state", {})["body_bytes"] = size
    return b"".join(chunks)


def error_response(status: int, kind: str, message: str, request_id: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"type": kind, "message": message}, "request_id": request_id}, status_code=status,
                        headers=headers)


def _request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "-")


async def _request_error(request: Request, error: RequestError) -> Response:
    headers = {"Retry-After": "1"} if error.status == 503 else None
    return error_response(error.status, error.kind, error.message, _request_id(request), headers)


async def _http_error(request: Request, error: HTTPException) -> Response:
    kinds = {404: "NotFound", 405: "MethodNotAllowed"}
    message = {404: "no such endpoint; see /openapi.json",
               405: "method not allowed on this endpoint"}.get(error.status_code, str(error.detail))
    return error_response(error.status_code, kinds.get(error.status_code, "HTTPError"), message, _request_id(request),
                          dict(error.headers) if error.headers else None)


class _Guard:
    """Outermost layer of the app: a request id, the API key on ``/v1``, one log line, and no traceback ever
    reaches the client (an unexpected error is a one-line 500)."""

    def __init__(self, app, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key.encode("utf-8") if api_key else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        headers = dict(scope.get("headers") or ())
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        sent = {"status": 0}

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            if scope["path"].startswith("/v1") and self.api_key and not self._authorised(headers):
                response = error_response(401, "Unauthorized", "missing or wrong API key (send 'Authorization: Bearer KEY' "
                                          "or 'X-API-Key: KEY')", request_id, {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            pass
        except Exception as error:  # noqa: BLE001 - the client gets one line, the log the type only
            log.error("request %s failed: %s", request_id, type(error).__name__)
            if not sent["status"]:
                await error_response(500, "InternalError", "internal error", request_id)(scope, receive, send_with_id)
        size = state.get("body_bytes", _content_length(headers))
        log.info("request %s %d bytes -> %d in %.1f ms", request_id, size, sent["status"], 1000 * (time.monotonic() - started))

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        given = headers.get(b"x-api-key")
        if given is None:
            scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
            given = token.strip() if scheme.lower() == b"bearer" else b""
        return hmac.compare_digest(given, self.api_key)


def _content_length(headers: dict[bytes, bytes]) -> int:
    value = headers.get(b"content-length", b"0")
    return int(value) if value.isdigit() else 0
