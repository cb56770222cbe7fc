"""Errors services raise; the web layer turns them into 403/404/409 pages or form messages."""
from __future__ import annotations


class ServiceError(Exception):
    """Base: carries a msgid and parameters so the message is translated for the reader."""

    status_code = 400

    def __init__(self, message: str = "", params: dict | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.extra = extra


class NotFound(ServiceError):
    """The object does not exist *or the actor may not see it* (we never confirm existence)."""

    status_code = 404


class NotAllowed(ServiceError):
    status_code = 403


class Conflict(ServiceError):
    """Someone else changed the object first (version check) or the state forbids the action."""

    status_code = 409


class InvalidState(Conflict):
    pass


class ValidationFailed(ServiceError):
    """Business-rule failures; `field_errors` maps form field names (or "" for the form) to messages."""

    status_code = 422

    def __init__(self, field_errors: dict[str, list] | None = None, message: str = "", params=None):
        super().__init__(message, params)
        self.field_errors = field_errors or {}
