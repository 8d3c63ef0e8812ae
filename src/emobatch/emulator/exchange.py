"""Values passed between the HTTP layer and the API: config, request, response."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .api_errors import ApiError
from .clock import Clock, SystemClock
from .faults import FaultPlan
from .noise import Noise


@dataclass
class EmulatorConfig:
    """Options of one server process (jobs remember latency, fate, route and noise).

    ``routes`` are explicit routes (requested -> answering model) on top of the catalogue's
    (dropped when ``catalogue_routing`` is false); ``catalogue`` is a path to another
    catalogue file (default: the bundled one). ``interactive_latency_seconds`` and
    ``flex_latency_seconds`` are waited (on ``clock``) before answering ``generateContent``
    in the standard and flex tiers.
    """

    state_dir: Path
    latency_seconds: float = 0.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 0
    api_key: str | None = None
    extra_models: tuple[str, ...] = ()
    routes: dict[str, str] = field(default_factory=dict)
    catalogue_routing: bool = True
    catalogue: Path | None = None
    noise: Noise = field(default_factory=Noise)
    interactive_latency_seconds: float = 0.0
    flex_latency_seconds: float = 0.0
    clock: Clock = field(default_factory=SystemClock)


_UNPARSED = object()


@dataclass
class ApiRequest:
    """One routed request. ``read_body``/``body_stream`` give access to the payload."""

    operation: str
    params: dict[str, str]
    method: str
    query: dict[str, str]
    headers: Any  # case-insensitive mapping (email.message.Message)
    host: str
    version: str
    read_body: Callable[[], bytes]
    body_stream: Callable[[], tuple[IO[bytes], int]] | None = None
    poll: int = 0  # batches.get calls of this job so far (set while counting the call)
    _parsed: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._parsed = _UNPARSED

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    def json_body(self) -> Any:
        """The parsed JSON body (``{}`` when empty), parsed once per request."""
        if self._parsed is _UNPARSED:
            raw = self.read_body()
            try:
                self._parsed = json.loads(raw) if raw.strip() else {}
            except ValueError:
                self._parsed = ApiError(
                    400, "Invalid JSON payload received. Unexpected token in request body."
                )
        if isinstance(self._parsed, ApiError):
            raise self._parsed
        return self._parsed

    @property
    def base(self) -> str:
        return f"http://{self.host}"


@dataclass
class ApiResponse:
    """What to send back. ``file_path`` streams a file body instead of ``body``."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    file_path: Path | None = None
    delay_s: float = 0.0
    drop: bool = False  # close the connection without sending anything

    @classmethod
    def of_json(cls, obj: Any, **kwargs: Any) -> ApiResponse:
        return cls(body=json.dumps(obj, ensure_ascii=False).encode(), **kwargs)

    @classmethod
    def of_error(cls, err: ApiError, **kwargs: Any) -> ApiResponse:
        response = cls.of_json(err.envelope(), status=err.code, **kwargs)
        response.headers.update(err.headers)
        return response
