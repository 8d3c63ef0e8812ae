"""Choose and open the configured backend."""

from __future__ import annotations

import os
from collections.abc import Mapping

from emobatch.backends.base import BatchBackend
from emobatch.config import Settings
from emobatch.errors import ConfigError
from emobatch.retry import RetryPolicy
from emobatch.secrets import api_key_from_env

BASE_URL_VARIABLE = "EMOBATCH_GEMINI_BASE_URL"

MISSING_KEY_MESSAGE = (
    "backend: gemini needs an API key, and none is set. Either export GEMINI_API_KEY=<your key> "
    "(or GEMINI_API_KEY_FILE=<a file holding it, mode 600>) "
    "(Gemini Batch Mode is paid; the free tier has no batch API), or run offline with "
    "--config backend=local (the default in config/config.yaml)."
)


def require_api_key(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Fail before any rule runs when backend: gemini has no key, or backend: vertex no project,
    bucket or Google Cloud credentials (Vertex needs no GEMINI_API_KEY)."""
    if settings.backend == "gemini" and not api_key_from_env(env):
        raise ConfigError(MISSING_KEY_MESSAGE)
    if settings.backend == "vertex":
        from emobatch.backends.vertex import require_vertex_settings
        from emobatch.backends.vertex_auth import load_credentials

        require_vertex_settings(settings.vertex)
        load_credentials(os.environ if env is None else env)


def retry_policy(settings: Settings) -> RetryPolicy:
    api = settings.api
    return RetryPolicy(
        attempts=api.retry_attempts,
        initial_delay=api.retry_initial_delay_seconds,
        max_delay=api.retry_max_delay_seconds,
        max_total_seconds=api.retry_max_total_seconds,
        jitter=min(1.0, api.retry_initial_delay_seconds),
    )


def open_backend(settings: Settings, env: Mapping[str, str] | None = None) -> BatchBackend:
    """The configured backend, ready to use; call ``close()`` when done."""
    env = os.environ if env is None else env
    policy = retry_policy(settings)
    if settings.backend == "vertex":
        from emobatch.backends.vertex import VertexBackend
        from emobatch.backends.vertex_auth import BASE_URL_VARIABLE as VERTEX_URL
        from emobatch.backends.vertex_auth import load_credentials

        return VertexBackend(
            settings.vertex,
            load_credentials(env),
            base_url=env.get(VERTEX_URL) or None,
            timeout_seconds=settings.api.timeout_seconds,
            retry=policy,
        )
    if settings.backend == "local":
        from emobatch.backends.local import LocalBackend

        return LocalBackend(
            settings.local.state_dir,
            latency_seconds=settings.local.latency_seconds,
            faults=settings.local.faults,
            retry=policy,
        )
    from emobatch.backends.gemini import GeminiBackend

    key = api_key_from_env(env)
    if not key:
        raise ConfigError(MISSING_KEY_MESSAGE)
    return GeminiBackend(
        key,
        base_url=env.get(BASE_URL_VARIABLE) or None,
        timeout_seconds=settings.api.timeout_seconds,
        retry=policy,
    )
