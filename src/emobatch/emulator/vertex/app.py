"""The Vertex emulator's API surface, independent of HTTP: auth, faults, then the operation.

Operations carry the Gemini emulator's names (``batches_create``, ``batches_get``,
``batches_list``, ``batches_cancel``, ``batches_delete``, ``models_get``,
``models_count_tokens``, ``models_generate_content``), so one fault plan (``http_error``,
``drop_connection``, ``delay``, ``lost_create_response``, ``job_failed``, ``job_expired``,
row faults) means the same on both.

Every call needs ``Authorization: Bearer <token>`` (what google-genai sends with OAuth or ADC
credentials) or ``x-goog-api-key``; with ``token`` set, only that bearer token is accepted.
Neither is ever logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api_errors import ApiError
from ..clock import Clock, SystemClock
from ..exchange import ApiRequest, ApiResponse
from ..faults import FaultPlan, plan_request
from ..models import ModelRegistry
from ..responder import Responder
from .gcs import storage_client
from .jobs_api import JobsApi
from .models_api import VertexModelsApi
from .runner import VertexRunner
from .store import VertexStore

log = logging.getLogger("emobatch.emulator.vertex")

_UNAUTHENTICATED = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential."
)


@dataclass
class VertexConfig:
    """Options of one Vertex emulator process."""

    state_dir: Path
    gcs_endpoint: str  # the GCS emulator, with its scheme: http://127.0.0.1:9023
    latency_seconds: float = 0.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 0
    token: str | None = None  # accept only this bearer token (default: any)
    catalogue: Path | None = None
    extra_models: tuple[str, ...] = ()
    clock: Clock = field(default_factory=SystemClock)


class VertexApp:
    """All operations over one state directory and one GCS emulator."""

    def __init__(
        self, config: VertexConfig, responder: Responder | None = None, gcs: Any = None
    ) -> None:
        self.config = config
        self.clock = config.clock
        self.store = VertexStore(config.state_dir)
        self.store.init()
        self.registry = ModelRegistry(config.catalogue, extra_models=config.extra_models)
        self.gcs = gcs if gcs is not None else storage_client(config.gcs_endpoint)
        responder = responder or Responder()
        runner = VertexRunner(self.gcs, responder, self.registry)
        self.jobs = JobsApi(
            self.store,
            runner,
            self.registry,
            faults=config.faults,
            seed=config.seed,
            latency_seconds=config.latency_seconds,
            clock=self.clock,
        )
        self.models = VertexModelsApi(self.registry, self.clock, responder)
        self._handlers: dict[str, Callable[[ApiRequest], ApiResponse]] = {
            "batches_create": self.jobs.create,
            "batches_get": self.jobs.get,
            "batches_list": self.jobs.list,
            "batches_cancel": self.jobs.cancel,
            "batches_delete": self.jobs.delete,
            "models_get": self.models.get,
            "models_count_tokens": self.models.count_tokens,
            "models_generate_content": self.models.generate_content,
        }

    def handle(self, req: ApiRequest) -> ApiResponse:
        """Authenticate, count, apply request faults, run the operation."""
        try:
            self._check_auth(req)
            plan = self.store.update_counters(
                lambda c: plan_request(
                    self.config.faults,
                    c,
                    operation=req.operation,
                    seed=self.config.seed,
                    display_name=self._display_name(req),
                    batch_id=req.params.get("job_id"),
                )
            )
            if plan.fired:
                log.info("fault fired on %s: %s", req.operation, ", ".join(plan.fired))
            if plan.drop:
                return ApiResponse(drop=True, delay_s=plan.delay_s)
            if plan.error is not None:
                return ApiResponse.of_error(plan.error, delay_s=plan.delay_s)
            response = self._handlers[req.operation](req)
            response.delay_s += plan.delay_s
            response.drop = plan.drop_after
            return response
        except ApiError as err:
            return ApiResponse.of_error(err)

    def _check_auth(self, req: ApiRequest) -> None:
        bearer = (req.header("authorization") or "").removeprefix("Bearer ").strip()
        if not bearer and not req.header("x-goog-api-key"):
            raise ApiError(401, _UNAUTHENTICATED)
        if self.config.token is not None and bearer != self.config.token:
            raise ApiError(401, "Request had invalid authentication credentials.")

    @staticmethod
    def _display_name(req: ApiRequest) -> str | None:
        if req.operation != "batches_create":
            return None
        try:
            body = req.json_body()
        except ApiError:
            return None
        name = body.get("displayName") if isinstance(body, dict) else None
        return name if isinstance(name, str) else None
