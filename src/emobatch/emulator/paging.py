"""List pagination shared by files.list and batches.list (newest first, stable tokens)."""

from __future__ import annotations

import base64
from typing import Any

from .api_errors import ApiError
from .exchange import ApiRequest


def page_size(req: ApiRequest, *, default: int, maximum: int) -> int:
    """``pageSize`` from the query (0 or absent: ``default``; capped at ``maximum``)."""
    raw = req.query.get("pageSize")
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"") from None
    if size < 0:
        raise ApiError(400, "page_size must not be negative.")
    return min(size or default, maximum)


def page_key(rec: dict[str, Any]) -> tuple[int, str]:
    """Sort key: newest first, ties by id."""
    return (-int(rec["createNs"]), str(rec["id"]))


def paginate(
    records: list[dict[str, Any]], token: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the token names the last item returned, so inserts never repeat items."""
    records = sorted(records, key=page_key)
    if token:
        try:
            created, _, rid = (
                base64.urlsafe_b64decode(token.encode() + b"==").decode().partition(":")
            )
            after = (-int(created), rid)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Invalid page token.") from None
        records = [r for r in records if page_key(r) > after]
    page = records[:size]
    if len(records) > size:
        last = page[-1]
        raw = f"{last['createNs']}:{last['id']}".encode()
        return page, base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return page, None
