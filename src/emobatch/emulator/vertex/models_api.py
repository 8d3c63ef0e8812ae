"""Publisher models in Vertex mode: ``models.get``, ``countTokens`` and ``generateContent``.

``GET /{ver}/projects/{p}/locations/{l}/publishers/google/models/{m}`` answers a
``PublisherModel``-like resource (google-genai's ``_Model_from_vertex`` keeps ``name``,
``displayName``, ``description`` and ``versionId``; Vertex lists no supported actions), and
``POST ...:countTokens`` the prompt's tokens as :func:`emobatch.tokens.request_prompt_tokens`
counts them: the ``promptTokenCount`` a batch line with the same request is billed;
``POST ...:generateContent`` answers one request with the batch responder. Unknown and
shut-down (unrouted) models answer 404, as on the real service.
"""

from __future__ import annotations

from typing import Any

from ..api_errors import ApiError
from ..clock import Clock, today
from ..exchange import ApiRequest, ApiResponse
from ..gen_request import RequestError, SettingsCache, camel, prepare
from ..models import ModelRegistry, Resolved
from ..responder import Responder

#: Fields of a Vertex ``CountTokensRequest`` (``model``/``instances`` are accepted, unused).
COUNT_FIELDS = frozenset(
    {"contents", "systemInstruction", "tools", "generationConfig", "model", "instances"}
)


class VertexModelsApi:
    """Model lookups for the Vertex surface, from the shared :class:`..models.ModelRegistry`."""

    def __init__(self, registry: ModelRegistry, clock: Clock, responder: Responder) -> None:
        self.registry = registry
        self.clock = clock
        self.responder = responder

    def resolve(self, req: ApiRequest) -> Resolved:
        publisher, name = req.params["publisher"], req.params["model"]
        resolved = self.registry.resolve(name, today(self.clock)) if publisher == "google" else None
        if resolved is None:
            where = ""
            if "project" in req.params:
                where = f"projects/{req.params['project']}/locations/{req.params['location']}/"
            raise ApiError(
                404, f"Publisher Model `{where}publishers/{publisher}/models/{name}` not found."
            )
        return resolved

    def get(self, req: ApiRequest) -> ApiResponse:
        resolved = self.resolve(req)
        requested, answering = resolved.requested, resolved.answering
        description = f"{answering.display_name}, served by the emobatch Vertex emulator."
        if resolved.routed:
            description = f"Requests to {requested.name} are answered by {answering.name}."
        return ApiResponse.of_json(
            {
                "name": f"publishers/google/models/{requested.name}",
                "versionId": "001",
                "displayName": answering.display_name,
                "description": description,
                "openSourceCategory": "PROPRIETARY",
                "launchStage": "GA" if requested.status == "ga" else "PUBLIC_PREVIEW",
            }
        )

    def count_tokens(self, req: ApiRequest) -> ApiResponse:
        resolved = self.resolve(req)
        body = req.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        request: dict[str, Any] = {}
        for key, value in body.items():
            name = camel(key)
            if name not in COUNT_FIELDS:
                raise ApiError(400, f'Invalid JSON payload received. Unknown name "{key}".')
            if name in ("contents", "systemInstruction", "generationConfig"):
                request[name] = value
        try:
            prepared = prepare(request, SettingsCache(resolved.requested))
        except RequestError as exc:
            raise ApiError(exc.code, exc.message) from None
        total = prepared.prompt_tokens
        return ApiResponse.of_json(
            {
                "totalTokens": total,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
            }
        )

    def generate_content(self, req: ApiRequest) -> ApiResponse:
        resolved = self.resolve(req)
        body = req.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        request = {k: v for k, v in body.items() if k != "model"}
        try:
            prepared = prepare(request, SettingsCache(resolved.requested))
        except RequestError as exc:
            raise ApiError(exc.code, exc.message) from None
        ann = self.responder.annotations([prepared.user_text])[prepared.user_text]
        answer = self.responder.respond(
            prepared, ann, model=resolved, job_id="online", key=str(self.clock.now_ns())
        )
        return ApiResponse.of_json(answer["response"])
