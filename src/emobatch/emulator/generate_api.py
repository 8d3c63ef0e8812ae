"""``POST /{ver}/models/{model}:generateContent``: one synchronous answer (standard or Flex).

The body is a REST ``GenerateContentRequest``, as google-genai's ``models.generate_content``
sends it (``config.service_tier`` becomes the top-level ``serviceTier``). It goes through
the same path as a batch line: validation (:mod:`.gen_request`, thinking against the
requested model's contract), routing (:mod:`.models`), the responder, schema filling and
token accounting; a request the real service would refuse answers 400 INVALID_ARGUMENT
instead of an error line.

- ``serviceTier`` (or ``service_tier``): ``flex``, ``standard``, ``priority``; absent or
  ``unspecified`` is standard. Another value is a 400. Request faults see the tier
  (``service_tier`` filters, ``flex_shed``); the HTTP layer waits the tier's latency
  (``interactive_latency_seconds`` / ``flex_latency_seconds``) on the server's clock.
- ``responseId`` is derived from the body hash and the replicate, so it is stable for the
  same body, model and replicate.
- Every 200 answer is counted per tier and per body (:mod:`.replicas`): the replicate
  index feeds the label noise (:mod:`.noise`); a body answered before adds one to
  ``duplicate_requests``.
"""

from __future__ import annotations

import json
from typing import Any

from .api_errors import ApiError
from .exchange import ApiRequest, ApiResponse, EmulatorConfig
from .files_api import bump
from .gen_request import RequestError, SettingsCache, camel, prepare
from .models_api import ModelsApi
from .replicas import ReplicaLog, body_hash
from .responder import Responder
from .store import Store

__all__ = ["TIERS", "GenerateApi", "service_tier"]

TIERS = ("standard", "flex", "priority")


def service_tier(body: Any) -> str:
    """The request's tier (``standard`` when absent); 400 for an unknown value."""
    if not isinstance(body, dict):
        return "standard"
    raw = next((v for k, v in body.items() if camel(k) == "serviceTier"), None)
    if raw is None:
        return "standard"
    tier = str(raw).lower().removeprefix("service_tier_")
    if tier in ("", "unspecified"):
        return "standard"
    if tier not in TIERS:
        raise ApiError(
            400,
            "Invalid value at 'service_tier' (type.googleapis.com/google.ai.generativelanguage."
            f"v1beta.ServiceTier), {json.dumps(raw)}",
        )
    return tier


class GenerateApi:
    """Synchronous answers through the batch path's responder."""

    def __init__(
        self, store: Store, config: EmulatorConfig, models: ModelsApi, responder: Responder
    ) -> None:
        self.store = store
        self.config = config
        self.models = models
        self.responder = responder
        self.replicas = ReplicaLog(store)

    def latency(self, tier: str) -> float:
        if tier == "flex":
            return self.config.flex_latency_seconds
        return self.config.interactive_latency_seconds

    def models_generate_content(self, req: ApiRequest) -> ApiResponse:
        resolved = self.models.resolve(req, "generateContent", "generateContent")
        body = req.json_body()
        tier = service_tier(body)
        try:
            prepared = prepare(body, SettingsCache(resolved.requested))
        except RequestError as exc:
            raise ApiError(exc.code, exc.message) from None
        digest = body_hash(resolved.requested.name, body)
        with self.replicas.answering(digest) as replica:
            ann = self.responder.annotations([prepared.user_text])[prepared.user_text]
            noisy = self.config.noise.apply(ann, digest, replica.index)
            # no row faults here: the responder always answers (request faults came first)
            response = self.responder.respond(
                prepared,
                noisy or ann,
                model=resolved,
                job_id=f"generate-{digest}",
                key=str(replica.index),
            )["response"]
            replica.answered = True

        def count(c: dict[str, Any]) -> None:
            bump(c["generate_content_answered"], tier)
            if replica.duplicate:
                bump(c, "duplicate_requests")

        self.store.update_counters(count)
        return ApiResponse.of_json(response, delay_s=self.latency(tier))
