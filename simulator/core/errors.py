"""Typed domain errors.

The domain core raises these; each HTTP API renders them in its own envelope through one
error handler. ``code`` is an upper-snake machine code naming the rule that fired;
``status`` is the HTTP status of that family of error (docs/decisions.md, "Status of each
error family").
"""
from __future__ import annotations


class DomainError(Exception):
    status = 500
    default_code = "INTERNAL_ERROR"

    def __init__(self, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def headers(self) -> dict:
        """HTTP headers the error's answer carries, whatever the API's envelope."""
        return {}

    def to_dict(self) -> dict:
        body = {"message": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        return body


class Invalid(DomainError):
    """Malformed input: bad JSON, wrong type, unknown field or operator (400)."""
    status = 400
    default_code = "INVALID_REQUEST"


class Unauthorized(DomainError):
    status = 401
    default_code = "UNAUTHORIZED"


class Forbidden(DomainError):
    status = 403
    default_code = "FORBIDDEN"


class NotFound(DomainError):
    status = 404
    default_code = "NOT_FOUND"


class MethodNotAllowed(DomainError):
    """A method the path does not take (405); ``allow``: the methods it does take, when known."""
    status = 405
    default_code = "METHOD_NOT_ALLOWED"

    def __init__(self, message: str, code: str | None = None, field: str | None = None,
                 allow=()):
        super().__init__(message, code, field)
        self.allow = list(allow)

    def headers(self) -> dict:
        return {"Allow": ", ".join(self.allow)} if self.allow else {}


class UnsupportedMediaType(DomainError):
    """A body in a media type the operation does not take (415)."""
    status = 415
    default_code = "UNSUPPORTED_MEDIA_TYPE"


class TooLarge(DomainError):
    status = 413
    default_code = "PAYLOAD_TOO_LARGE"


class RuleViolation(DomainError):
    """A business rule refused the operation: port occupied, box full, unknown reference (422)."""
    status = 422
    default_code = "RULE_VIOLATION"


class Conflict(DomainError):
    """The request conflicts with the current state: already done, in progress, duplicate, or
    made against a state that has changed since (409)."""
    status = 409
    default_code = "CONFLICT"


class BadGateway(DomainError):
    """Another system this one depends on failed or refused its credentials (502)."""
    status = 502
    default_code = "BAD_GATEWAY"


class TooManyRequests(DomainError):
    """A rate limit refused the request (429); ``retry_after`` is in seconds."""
    status = 429
    default_code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int, code: str | None = None):
        super().__init__(message, code)
        self.retry_after = retry_after
