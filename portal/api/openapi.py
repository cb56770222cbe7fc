"""The OpenAPI 3 document of /api/v1 (a test keeps its paths in step with the registered routes)."""
from __future__ import annotations

from typing import Any

_NULLABLE_STR = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_DATETIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "request_id": {"type": "string"}},
    },
    "Firm": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "uscc", "name", "district_code", "status", "grade", "good_standing",
                     "focus_supervision", "service_types", "valid_until", "verification_status"],
        "properties": {
            "id": {"type": "integer"}, "uscc": {"type": "string", "minLength": 18, "maxLength": 18},
            "name": {"type": "string"}, "district_code": {"type": "string"}, "status": {"type": "string"},
            "grade": {"type": ["string", "null"], "enum": ["A", "B", "C", "D", None]},
            "good_standing": {"type": "boolean"}, "focus_supervision": {"type": "boolean"},
            "service_types": {"type": "array", "items": {"type": "string"}}, "valid_until": _DATE,
            "verification_status": {"type": "string",
                                    "enum": ["not_checked", "pending", "verified", "failed"]},
        },
    },
    "Filing": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "number", "title", "status", "firm_id", "firm_name", "agency_id", "agency_name",
                     "district_code", "service_types", "start_date", "end_date", "submitted_at",
                     "registered_at", "is_late"],
        "properties": {
            "id": {"type": "integer"}, "number": _NULLABLE_STR, "title": {"type": "string"},
            "status": {"type": "string"}, "firm_id": {"type": "integer"}, "firm_name": {"type": "string"},
            "agency_id": {"type": "integer"}, "agency_name": {"type": "string"},
            "district_code": {"type": "string"}, "service_types": {"type": "array", "items": {"type": "string"}},
            "start_date": _DATE, "end_date": _DATE, "submitted_at": _DATETIME, "registered_at": _DATETIME,
            "is_late": {"type": "boolean"},
        },
    },
    "Score": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "period_id", "period_label", "period_status", "firm_id", "firm_name", "status",
                     "total", "grade", "vetoed", "amended"],
        "properties": {
            "id": {"type": "integer"}, "period_id": {"type": "integer"}, "period_label": {"type": "string"},
            "period_status": {"type": "string"}, "firm_id": {"type": "integer"},
            "firm_name": {"type": "string"}, "status": {"type": "string", "enum": ["rated", "not_rated"]},
            "total": {"type": ["number", "null"]}, "grade": _NULLABLE_STR, "vetoed": {"type": "boolean"},
            "amended": {"type": "boolean"},
        },
    },
    "Notice": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "title", "body", "published_at", "requires_ack", "read_at", "acknowledged_at"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
            "published_at": _DATETIME, "requires_ack": {"type": "boolean"}, "read_at": _DATETIME,
            "acknowledged_at": _DATETIME,
        },
    },
}


def _list_schema(item: str) -> dict[str, Any]:
    return {
        "type": "object", "additionalProperties": False,
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1,
                                                                    "maximum": 100},
            "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 1},
        },
    }


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema,
            "description": description}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
}
_PAGING = [
    _param("page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}, "Page number."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
           "Rows per page (at most 100)."),
]
_TEXT = {"type": "string", "maxLength": 100}


def _list(tag: str, item: str, summary: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {"get": {
        "tags": [tag], "summary": summary, "operationId": f"list{tag}",
        "parameters": _PAGING + filters,
        "responses": {"200": {"description": "One page of results.", "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{item}List"}}}}, **_ERRORS},
    }}


def _detail(tag: str, item: str, summary: str, id_name: str) -> dict[str, Any]:
    return {"get": {
        "tags": [tag], "summary": summary, "operationId": f"get{item}",
        "parameters": [_param(id_name, {"type": "integer", "minimum": 1, "maximum": 2147483647},
                              "Identifier.", "path")],
        "responses": {"200": {"description": "The record.", "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{item}"}}}},
            "404": {"$ref": "#/components/responses/NotFound"}, **_ERRORS},
    }}


def document() -> dict[str, Any]:
    def error_response(text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}

    schemas = dict(SCHEMAS)
    for item in ("Firm", "Filing", "Score", "Notice"):
        schemas[f"{item}List"] = _list_schema(item)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Archive Outsourcing Supervision Portal API",
            "version": "1.0.0",
            "description": "Read-only access to firms, project filings, scores and notices. Every token "
                           "acts as its user and sees exactly what that user sees in the portal; "
                           "anything else answers 404. Create a token with `flask api-token create USERNAME`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": {
                "tags": ["Meta"], "summary": "This document.", "operationId": "openapi", "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/api/v1/firms": _list("Firms", "Firm", "Firms with their credit grade.", [
                _param("q", _TEXT, "Part of the name, or the whole USCC."),
                _param("district", _TEXT, "District code, e.g. 510502."),
                _param("grade", {"type": "string", "enum": ["A", "B", "C", "D"]}, "Credit grade."),
                _param("status", _TEXT, "Registration status."),
            ]),
            "/api/v1/firms/{firm_id}": _detail("Firms", "Firm", "One firm.", "firm_id"),
            "/api/v1/filings": _list("Filings", "Filing", "Project filings.", [
                _param("q", _TEXT, "Part of the title, or the whole filing number."),
                _param("status", _TEXT, "Filing status."),
                _param("district", _TEXT, "District code."),
                _param("firm_id", {"type": "integer", "minimum": 1, "maximum": 2147483647}, "Firm."),
                _param("agency_id", {"type": "integer", "minimum": 1, "maximum": 2147483647}, "Agency."),
            ]),
            "/api/v1/filings/{filing_id}": _detail("Filings", "Filing", "One project filing.", "filing_id"),
            "/api/v1/scores": _list("Scores", "Score", "Credit scores per period.", [
                _param("period", _TEXT, "Period label, e.g. 2026Q1."),
                _param("firm_id", {"type": "integer", "minimum": 1, "maximum": 2147483647}, "Firm."),
                _param("grade", {"type": "string", "enum": ["A", "B", "C", "D"]}, "Grade."),
            ]),
            "/api/v1/scores/{score_id}": _detail("Scores", "Score", "One firm's score in a period.", "score_id"),
            "/api/v1/notices": _list("Notices", "Notice", "Published notices.", [
                _param("q", _TEXT, "Part of the title."),
            ]),
            "/api/v1/notices/{notice_id}": _detail("Notices", "Notice", "One notice.", "notice_id"),
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "BadRequest": error_response("A parameter is not valid."),
                "Unauthorized": error_response("No valid bearer token."),
                "Forbidden": error_response("The token's user may not use this endpoint."),
                "NotFound": error_response("No such record, or the token's user may not see it."),
            },
        },
    }
