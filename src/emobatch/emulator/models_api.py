"""The Models API: ``models.get``, paged ``models.list`` and ``countTokens``.

A ``Model`` resource has the real REST field names (google-genai's ``_Model_from_mldev``
reads ``supportedGenerationMethods`` into ``Model.supported_actions``)::

    {"name": "models/gemini-3.5-flash", "version": "001", "displayName": "Gemini 3.5 Flash",
     "description": "...", "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
     "supportedGenerationMethods": ["generateContent", "countTokens", "batchGenerateContent"],
     "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": true}

A routed model (shut down, answered by its successor) is served under its own name with the
successor's display name, limits and thinking, and says so in ``description``; a shut-down
model that is not routed answers 404 NOT_FOUND, like an unknown one.

``countTokens`` takes what the REST method takes: ``{"contents": [...]}`` (all the SDK sends
for the Developer API: it refuses ``config.system_instruction`` there with a ``ValueError``
before sending) or ``{"generateContentRequest": {...}}`` (with ``systemInstruction``,
``generationConfig``, ...). The count is :func:`emobatch.tokens.request_prompt_tokens` of
that request: exactly the ``promptTokenCount`` a batch line or ``generateContent`` call with
the same request is billed.
"""

from __future__ import annotations

import base64
from typing import Any

from .api_errors import ApiError, unknown_field
from .clock import today
from .exchange import ApiRequest, ApiResponse, EmulatorConfig
from .gen_request import RequestError, SettingsCache, camel, prepare
from .models import INPUT_TOKEN_LIMIT, OUTPUT_TOKEN_LIMIT, ModelRegistry, Resolved
from .paging import page_size


def not_found_model(name: str, version: str, method: str) -> ApiError:
    """404 for a model that is not served (the real wording)."""
    return ApiError(
        404,
        f"models/{name} is not found for API version {version}, or is not supported for "
        f"{method}. Call ListModels to see the list of available models and their supported "
        "methods.",
    )


def model_json(resolved: Resolved) -> dict[str, Any]:
    """The REST ``Model`` resource for a resolved name."""
    requested, answering = resolved.requested, resolved.answering
    description = f"{answering.display_name}, served by the emobatch emulator."
    if resolved.routed:
        why = (
            f"{requested.name} was shut down on {requested.shutdown.isoformat()}"
            if requested.shutdown is not None and requested.status == "shut_down"
            else "a configured route"
        )
        description = f"Requests to {requested.name} are answered by {answering.name} ({why})."
    return {
        "name": f"models/{requested.name}",
        "version": "001",
        "displayName": answering.display_name,
        "description": description,
        "inputTokenLimit": INPUT_TOKEN_LIMIT,
        "outputTokenLimit": OUTPUT_TOKEN_LIMIT,
        "supportedGenerationMethods": list(requested.actions),
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": answering.thinking is not None,
    }


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


class ModelsApi:
    """Model metadata and token counts from a :class:`.ModelRegistry`."""

    def __init__(self, config: EmulatorConfig, registry: ModelRegistry) -> None:
        self.config = config
        self.registry = registry

    def resolve(self, req: ApiRequest, method: str, action: str | None = None) -> Resolved:
        """The model of the request path, or 404 (unknown, shut down, or lacking ``action``)."""
        name = req.params["model"].removeprefix("models/")
        resolved = self.registry.resolve(name, today(self.config.clock))
        if resolved is None or (action and action not in resolved.requested.actions):
            raise not_found_model(name, req.version, method)
        return resolved

    def models_get(self, req: ApiRequest) -> ApiResponse:
        return ApiResponse.of_json(model_json(self.resolve(req, "getModel")))

    def models_list(self, req: ApiRequest) -> ApiResponse:
        size = page_size(req, default=50, maximum=1000)
        listed = self.registry.listed(today(self.config.clock))
        token = req.query.get("pageToken")
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode() + b"==").decode()
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "Invalid page token.") from None
            names = [r.requested.name for r in listed]
            if after not in names:
                raise ApiError(400, "Invalid page token.")
            listed = listed[names.index(after) + 1 :]
        page = listed[:size]
        out: dict[str, Any] = {}
        if page:
            out["models"] = [model_json(r) for r in page]
        if len(listed) > size:
            out["nextPageToken"] = _token(page[-1].requested.name)
        return ApiResponse.of_json(out)

    def models_count_tokens(self, req: ApiRequest) -> ApiResponse:
        resolved = self.resolve(req, "countTokens", "countTokens")
        body = req.json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        fields = {}
        for key, value in body.items():
            if camel(key) not in ("contents", "generateContentRequest"):
                raise unknown_field(key, "")
            fields[camel(key)] = value
        if ("contents" in fields) == ("generateContentRequest" in fields):
            raise ApiError(
                400,
                "* CountTokensRequest: exactly one of contents or generate_content_request "
                "must be set.",
            )
        if "contents" in fields:
            request: Any = {"contents": fields["contents"]}
        else:
            request = fields["generateContentRequest"]
            if isinstance(request, dict):
                request = {k: v for k, v in request.items() if k != "model"}
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
