"""The SpecTree instance: portal.api.views declares each endpoint's query and response models with
`api.validate(...)`, and `document()` is the OpenAPI document served at /api/v1/openapi.json, built
from those declarations and the registered routes (nothing about the API is written down twice)."""
from __future__ import annotations

import copy
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData, Server

from portal.api import schemas
from portal.web.params import MAX_INT

DESCRIPTION = (
    "Read-only access to firms, project filings, scores and notices. Every token acts as its user and "
    "sees exactly what that user sees in the portal; anything else answers 404. Create a token with "
    "`flask api-token create USERNAME`. A parameter outside the limits stated here, one not declared "
    "here, or one given twice answers 400. Error messages follow Accept-Language (zh-CN, the default, "
    "or en)."
)


class RequestRefused(Exception):
    """A query the operation's model refuses, with the translated reason (a 400 from portal.api.views)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _before(req, _resp, error: ValidationError | None, _instance, _adapter) -> None:
    """Turn spectree's validation error (and a repeated parameter) into one clear 400 message."""
    for name in req.args:
        if len(req.args.getlist(name)) > 1:
            raise RequestRefused(_("The parameter %(name)s is given more than once.", name=name))
    if error is not None:
        raise RequestRefused(explain(error, _query_model()))


def _query_model() -> dict[str, Any]:
    """The JSON schema of the current endpoint's query model (its stated limits)."""
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = api.get_function_metadata(view) if view else None
    return api.models.get(metadata.query) if metadata is not None and metadata.query else {}


def explain(error: ValidationError, schema: dict[str, Any]) -> str:
    """The first problem, in the reader's language, with the limit the document states."""
    problem = error.errors()[0]
    name = str(problem["loc"][0]) if problem.get("loc") else "?"
    if problem["type"] == "extra_forbidden":
        return _("The parameter %(name)s is not known here.", name=name)
    stated = _plain(schema.get("properties", {}).get(name, {}))
    if "enum" in stated:
        return _("%(name)s must be one of: %(choices)s.", name=name, choices=", ".join(map(str, stated["enum"])))
    if problem["type"] == "string_pattern_mismatch":
        return _("%(name)s may not contain control characters.", name=name)
    if "maxLength" in stated:
        return _("%(name)s may be at most %(count)s characters long.", name=name, count=stated["maxLength"])
    if stated.get("type") == "integer":
        return _("%(name)s must be a whole number from %(low)s to %(high)s.", name=name,
                 low=stated.get("minimum", 0), high=stated.get("maximum", MAX_INT))
    return _("The parameter %(name)s is not valid.", name=name)


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without pydantic's `anyOf [..., null]` for an optional value (a
    query string cannot send null: absent is the default) and without its `title`."""
    schema = dict(schema)
    options = schema.pop("anyOf", None)
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    if schema.get("default", "") is None:
        del schema["default"]
    schema.pop("title", None)
    return schema


api = SpecTree(
    "flask",
    mode="strict",
    title="Archive Outsourcing Supervision Portal API",
    version="1.0.0",
    description=DESCRIPTION,
    security_schemes=[SecurityScheme(name="bearerAuth", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearerAuth": []},
    servers=[Server(url="/")],
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_status=400,
    validation_error_model=schemas.Error,
    before=_before,
)

ERRORS = {
    "HTTP_400": (schemas.Error, "A parameter is not valid, not declared, or given twice."),
    "HTTP_401": (schemas.Error, "No valid bearer token."),
    "HTTP_403": (schemas.Error, "The token's user may not use this endpoint."),
    "HTTP_429": (schemas.Error, "Too many requests with this token."),
}


def listing(model) -> Response:
    return Response(HTTP_200=(model, "One page of results."), **ERRORS)


def record(model) -> Response:
    return Response(HTTP_200=(model, "The record."),
                    HTTP_404=(schemas.Error, "No such record, or the token's user may not see it."), **ERRORS)


_document: dict[str, Any] | None = None


def document() -> dict[str, Any]:
    """spectree's document for the current app, with query parameters as a query string sends them
    and ids bounded like the `int` route converter (1 .. the database's integer)."""
    global _document
    if _document is None:
        spec = copy.deepcopy(api.spec)
        for operations in spec["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = _plain(parameter["schema"])
                    if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                        parameter["schema"].update(minimum=1, maximum=MAX_INT)
                        parameter["schema"].pop("format", None)
                        parameter["description"] = parameter["description"] or "Identifier."
        _document = spec
    return _document
