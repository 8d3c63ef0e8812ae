"""Google's error envelope: ``{"error": {"code", "message", "status"}}``.

:class:`ApiError` is raised anywhere inside a request handler; the HTTP layer turns it into
the envelope with the matching HTTP status (the SDK raises ``ClientError`` for 4xx and
``ServerError`` for 5xx and reads ``code``, ``status`` and ``message`` from the body).
"""

from __future__ import annotations

from typing import Any

#: HTTP status -> canonical google.rpc status name.
STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: Default messages, worded like the real service's.
DEFAULT_MESSAGES: dict[int, str] = {
    400: "Request contains an invalid argument.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: (
        "You exceeded your current quota, please check your plan and billing details. "
        "For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits."
    ),
    500: (
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting"
    ),
    502: "Bad Gateway",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}

#: google.rpc.Code numbers, used inside Operation.error (LRO Status objects).
RPC_CODES: dict[str, int] = {
    "OK": 0,
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
}


def status_name(code: int) -> str:
    """The google.rpc status name for an HTTP status (``UNKNOWN`` if unmapped)."""
    return STATUS_NAMES.get(code, "INTERNAL" if code >= 500 else "UNKNOWN")


class ApiError(Exception):
    """An error answered to the client with Google's envelope."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, status_name(code))
        self.status = status or status_name(code)
        self.details = details
        self.headers = headers or {}
        super().__init__(f"{code} {self.status}: {self.message}")

    def envelope(self) -> dict[str, Any]:
        """The JSON body: ``{"error": {"code", "message", "status"[, "details"]}}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def rate_limit_details() -> list[dict[str, Any]]:
    """The ``details`` the real service attaches to a 429."""
    return [
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        }
    ]


def not_found() -> ApiError:
    """404 for an unknown batch (the real wording)."""
    return ApiError(404, "Requested entity was not found.")


def file_not_found(file_id: str) -> ApiError:
    """403 for an unknown or inaccessible file, as the real service answers."""
    return ApiError(
        403,
        f"You do not have permission to access the File {file_id} or it may not exist.",
    )


def unknown_field(name: str, where: str) -> ApiError:
    """400 for a JSON field the API does not define ("Cannot find field")."""
    return ApiError(
        400,
        f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field.",
    )
