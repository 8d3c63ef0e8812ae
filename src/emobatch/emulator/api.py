"""The Gemini batch API surface, independent of HTTP plumbing.

:class:`EmulatorApp` answers one :class:`ApiRequest` (already routed to an operation) with
an :class:`ApiResponse`. It checks the API key, counts the call and decides request-level
faults (:func:`.faults.plan_request`), then runs the operation against the :class:`.Store`.
It owns the :class:`.models.ModelRegistry` (catalogue, extra models, routes) and the clock
every part of one server reads.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from .api_errors import ApiError
from .batches_api import BatchesApi
from .exchange import ApiRequest, ApiResponse, EmulatorConfig
from .execution import JobRunner
from .faults import plan_request
from .files_api import FilesApi
from .generate_api import GenerateApi, service_tier
from .models import ModelRegistry
from .models_api import ModelsApi
from .responder import Responder
from .store import Store

__all__ = ["ApiRequest", "ApiResponse", "EmulatorApp", "EmulatorConfig", "key_fingerprint"]

log = logging.getLogger("emobatch.emulator")

#: Operations that need no API key (the upload session URL is the credential).
NO_KEY_OPERATIONS = frozenset({"upload_chunk", "stats"})
_MISSING_KEY_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)


def key_fingerprint(key: str) -> str:
    """A short, non-reversible fingerprint of an API key for logs."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class EmulatorApp:
    """All operations of the emulated API over one state directory."""

    def __init__(self, config: EmulatorConfig, responder: Responder | None = None) -> None:
        self.config = config
        self.clock = config.clock
        self.registry = ModelRegistry(
            config.catalogue,
            extra_models=config.extra_models,
            routes=config.routes,
            catalogue_routing=config.catalogue_routing,
        )
        self.store = Store(config.state_dir)
        self.store.init()
        self.responder = responder or Responder()
        self.runner = JobRunner(self.store, self.responder, self.registry)
        self.files = FilesApi(self.store, config)
        self.batches = BatchesApi(self.store, config, self.runner, self.files, self.registry)
        self.models = ModelsApi(config, self.registry)
        self.generate = GenerateApi(self.store, config, self.models, self.responder)
        self._handlers: dict[str, Callable[[ApiRequest], ApiResponse]] = {
            "upload_start": self.files.upload_start,
            "upload_chunk": self.files.upload_chunk,
            "files_get": self.files.files_get,
            "files_list": self.files.files_list,
            "files_delete": self.files.files_delete,
            "files_download": self.files.files_download,
            "batches_create": self.batches.batches_create,
            "batches_get": self.batches.batches_get,
            "batches_list": self.batches.batches_list,
            "batches_cancel": self.batches.batches_cancel,
            "batches_delete": self.batches.batches_delete,
            "models_get": self.models.models_get,
            "models_list": self.models.models_list,
            "models_count_tokens": self.models.models_count_tokens,
            "models_generate_content": self.generate.models_generate_content,
            "stats": self.stats,
        }

    # -- entry point -------------------------------------------------------------------
    def handle(self, req: ApiRequest) -> ApiResponse:
        """Authenticate, count, apply request faults, run the operation."""
        try:
            if req.operation not in NO_KEY_OPERATIONS:
                self._check_key(req)
            if req.operation == "stats":
                return self.stats(req)
            display_name = self._display_name_for_faults(req)
            batch_id = req.params.get("batch_id")
            tier = self._service_tier_for_faults(req)
            plan = self.store.update_counters(
                lambda c: plan_request(
                    self.config.faults,
                    c,
                    operation=req.operation,
                    seed=self.config.seed,
                    display_name=display_name,
                    batch_id=batch_id,
                    service_tier=tier,
                )
            )
            req.poll = plan.poll
            if plan.fired:
                log.info("fault fired on %s: %s", req.operation, ", ".join(plan.fired))
            if plan.drop:
                return ApiResponse(drop=True, delay_s=plan.delay_s)
            if plan.error is not None:
                return ApiResponse.of_error(plan.error, delay_s=plan.delay_s)
            response = self._handlers[req.operation](req)
            response.delay_s += plan.delay_s
            if plan.drop_after:
                response.drop = True
            return response
        except ApiError as err:
            headers = {}
            if req.operation == "upload_chunk" and err.code < 500 and err.code != 429:
                headers["X-Goog-Upload-Status"] = err.headers.get("X-Goog-Upload-Status", "final")
            return ApiResponse.of_error(err, headers=headers)

    def _check_key(self, req: ApiRequest) -> None:
        key = req.header("x-goog-api-key") or req.query.get("key")
        if not key:
            raise ApiError(403, _MISSING_KEY_MESSAGE)
        if self.config.api_key is not None and key != self.config.api_key:
            log.info("rejected API key with fingerprint %s", key_fingerprint(key))
            raise ApiError(400, "API key not valid. Please pass a valid API key.")

    def _display_name_for_faults(self, req: ApiRequest) -> str | None:
        if req.operation not in ("batches_create", "upload_start"):
            return None
        try:
            body = req.json_body()
        except ApiError:
            return None
        if not isinstance(body, dict):
            return None
        inner = body.get("batch") if req.operation == "batches_create" else body.get("file")
        if not isinstance(inner, dict):
            return None
        name = inner.get("displayName", inner.get("display_name"))
        return name if isinstance(name, str) else None

    def _service_tier_for_faults(self, req: ApiRequest) -> str | None:
        if req.operation != "models_generate_content":
            return None
        try:
            return service_tier(req.json_body())
        except ApiError:
            return "standard"  # the handler answers the 400

    # -- observation -------------------------------------------------------------------
    def stats(self, req: ApiRequest) -> ApiResponse:
        from .stats import read_stats

        return ApiResponse.of_json(read_stats(self.config.state_dir, clock=self.clock))
