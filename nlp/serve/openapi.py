"""The OpenAPI 3.1 document of ``nlp serve``, written by hand to match what the app does.

Response records are described by the project's own annotation schema
(``nlp/data/annotation.schema.json``), so the document follows the record when a stage adds a field.
"""

from __future__ import annotations

from typing import Any

from nlp import __version__
from nlp.pipeline import load_schema

_TEXT_TYPES = ("text/plain", "text/html", "text/markdown")


def _components_refs(node: Any) -> Any:
    """The annotation schema's ``#/$defs/X`` references as ``#/components/schemas/X``."""
    if isinstance(node, dict):
        return {k: ("#/components/schemas/" + v.rsplit("/", 1)[1] if k == "$ref" and isinstance(v, str) and
                    v.startswith("#/$defs/") else _components_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_components_refs(v) for v in node]
    return node


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _common_errors(*statuses: int) -> dict[str, Any]:
    text = {
        "400": "The body is empty or is not JSON (a one-line JSON error).",
        "401": "The server has an API key and the request did not send it.",
        "413": "The body is over the server's size limit.",
        "415": "The Content-Type is not one the endpoint reads.",
        "503": "The worker's queue is full; retry after `Retry-After` seconds.",
        "504": "Annotation did not finish within the server's time limit.",
    }
    return {str(s): _error_response(text[str(s)]) for s in statuses}


def openapi_document(*, api_key_required: bool = False, max_bytes: int | None = None) -> dict[str, Any]:
    schema = load_schema()
    schemas = _components_refs(schema["$defs"])
    id_and_source = [
        {"name": "id", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "The record's id (for a raw body; for JSON it replaces the object's id). Default: `request`, "
                        "or for JSON the object's id, else its source."},
        {"name": "source", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "The record's source (default `<request>`). `nlp annotate FILE` writes the file's path here."},
    ]
    limit = f" Bodies over {max_bytes} bytes are refused with 413." if max_bytes else ""
    scalar = {"type": ["string", "number"]}
    article = {
        "type": "object",
        "description": "One article with the field names JSON Lines input accepts (first match wins: id/guid/url/link, "
                       "title/headline, html/text/content/body/article/description/summary, date/pubDate/published/..., "
                       "categories/category, author/byline/creator). Other fields are kept in `extra`.",
        "properties": {
            "id": scalar, "title": {"type": ["string", "number"]}, "text": {"type": "string"},
            "html": {"type": "string"}, "content": {"type": "string"}, "date": scalar,
            "categories": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": ["string", "number"]}}]},
            "author": scalar,
        },
        "anyOf": [{"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                  for name in ("text", "html", "content")],
        "additionalProperties": True,
    }
    security = [{"bearer": []}, {"apiKey": []}] if api_key_required else []
    v1_errors = (401,) if api_key_required else ()
    document = {
        "openapi": "3.1.0",
        "info": {"title": "zh-news-nlp annotation service", "version": __version__,
                 "description": "Annotates Chinese news articles: the same records as `nlp annotate`." + limit},
        "paths": {
            "/v1/annotate": {"post": {
                "operationId": "annotate",
                "summary": "Annotate one article; the answer is the record `nlp annotate` writes, byte for byte.",
                "security": security,
                "parameters": id_and_source,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Article"}},
                    **{kind: {"schema": {"type": "string", "minLength": 1},
                              "description": "A post with front matter, an HTML page, or text (first line: title)."}
                       for kind in _TEXT_TYPES}}},
                "responses": {
                    "200": {"description": "The annotation record (one JSON line).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/annotation"}}}},
                    "422": {"description": "JSON of the wrong shape or types (an error), or an article that could not be "
                                           "read or annotated (its error record, as `nlp annotate` writes it).",
                            "content": {"application/json": {"schema": {"oneOf": [
                                {"$ref": "#/components/schemas/error"}, {"$ref": "#/components/schemas/Error"}]}}}},
                    **_common_errors(400, *v1_errors, 413, 415, 503, 504),
                },
            }},
            "/v1/annotate/batch": {"post": {
                "operationId": "annotateBatch",
                "summary": "Annotate many articles; answered as JSON Lines, one record per input in input order, error "
                           "records in place. Element N's source is `<source>:N`.",
                "security": security,
                "parameters": id_and_source[1:],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "array", "items": {}},
                                         "description": "A JSON array; an element that is not an article object becomes "
                                                        "an error record in its place."},
                    "application/x-ndjson": {"schema": {"type": "string"}, "description": "JSON Lines, one article per line."}}},
                "responses": {
                    "200": {"description": "JSON Lines: one annotation or error record per input, in order. Headers "
                                           "`X-Records` and `X-Errors` count them.",
                            "headers": {"X-Records": {"schema": {"type": "string"}}, "X-Errors": {"schema": {"type": "string"}}},
                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                    "422": _error_response("The JSON body is not an array."),
                    **_common_errors(400, *v1_errors, 413, 415, 503, 504),
                },
            }},
            "/v1/health": {"get": {
                "operationId": "health", "summary": "Liveness of the worker that answers.", "security": security,
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status", "version", "schema_version", "model", "pid", "pending"],
                    "properties": {"status": {"const": "ok"}, "version": {"type": "string"},
                                   "schema_version": {"type": "string"}, "model": {"type": ["object", "null"]},
                                   "pid": {"type": "integer"}, "pending": {"type": "integer"},
                                   "uptime_s": {"type": "number"}}}}}},
                    **_common_errors(*v1_errors)},
            }},
            "/v1/model": {"get": {
                "operationId": "model", "summary": "The model cards: category model, keyword ranker, annotation settings.",
                "security": security,
                "responses": {"200": {"description": "cards", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["category", "keywords", "settings"],
                    "properties": {"category": {"type": ["object", "null"]}, "keywords": {"type": "object"},
                                   "settings": {"type": "object"}}}}}},
                    **_common_errors(*v1_errors)},
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/": {"get": {
                "operationId": "page", "summary": "A page to paste an article into and see its annotation.", "security": [],
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
            }},
        },
        "components": {
            "schemas": {
                **schemas,
                "Article": article,
                "Error": {"type": "object", "required": ["error", "request_id"], "properties": {
                    "error": {"type": "object", "required": ["type", "message"],
                              "properties": {"type": {"type": "string"}, "message": {"type": "string"}}},
                    "request_id": {"type": "string"}}},
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }
    return document
