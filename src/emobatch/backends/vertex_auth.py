"""Credentials and endpoints of ``backend: vertex``: Application Default Credentials only.

There is no key in any file emobatch reads or writes. Credentials come from google-auth's
Application Default Credentials: ``GOOGLE_APPLICATION_CREDENTIALS`` (a service-account or
external-account file), the file ``gcloud auth application-default login`` writes, or the
attached service account of a Google Cloud machine. They live in memory only; ledgers and
sentinels identify the account by :func:`account_fingerprint` of the project and location
(where the jobs are visible), never by a token.

Offline, against the emulators only, ``EMOBATCH_VERTEX_CREDENTIALS=anonymous`` replaces ADC
with a placeholder bearer token for Vertex (not a secret; the SDK needs some token) and
anonymous credentials for Cloud Storage; it is refused unless both endpoints are overridden
(``EMOBATCH_VERTEX_BASE_URL`` and ``STORAGE_EMULATOR_HOST``, with its scheme).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emobatch.errors import ConfigError
from emobatch.identity import api_key_fingerprint

BASE_URL_VARIABLE = "EMOBATCH_VERTEX_BASE_URL"
CREDENTIALS_VARIABLE = "EMOBATCH_VERTEX_CREDENTIALS"
STORAGE_EMULATOR_VARIABLE = "STORAGE_EMULATOR_HOST"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
OFFLINE_TOKEN = "emobatch-vertex-offline"  # what the emulators accept; not a credential

NO_CREDENTIALS_HINT = (
    "run `gcloud auth application-default login` (or export GOOGLE_APPLICATION_CREDENTIALS="
    "<service-account file>), then re-run; see docs/vertex.md for the IAM roles"
)


@dataclass(frozen=True)
class VertexCredentials:
    """What the two clients authenticate with, and where it came from (for logs)."""

    genai: Any  # google.auth.credentials.Credentials
    storage: Any
    source: str  # "application default credentials" | "anonymous (emulators)"


def load_credentials(env: Mapping[str, str]) -> VertexCredentials:
    """ADC (or, for the emulators, anonymous credentials); ConfigError with the next step."""
    if env.get(CREDENTIALS_VARIABLE) == "anonymous":
        missing = [v for v in (BASE_URL_VARIABLE, STORAGE_EMULATOR_VARIABLE) if not env.get(v)]
        if missing:
            raise ConfigError(
                f"{CREDENTIALS_VARIABLE}=anonymous is for the emulators only, and "
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set",
                hint=f"unset {CREDENTIALS_VARIABLE} to use your Google Cloud credentials",
            )
        from google.auth.credentials import AnonymousCredentials
        from google.oauth2.credentials import Credentials

        return VertexCredentials(
            genai=Credentials(token=OFFLINE_TOKEN),  # type: ignore[no-untyped-call]
            storage=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            source="anonymous (emulators)",
        )
    import google.auth
    from google.auth import exceptions as auth_errors

    try:
        credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except auth_errors.DefaultCredentialsError as exc:
        raise ConfigError(
            f"backend: vertex found no Google Cloud credentials ({str(exc).splitlines()[0]})",
            hint=NO_CREDENTIALS_HINT,
        ) from None
    return VertexCredentials(credentials, credentials, "application default credentials")


def account_fingerprint(project: str, location: str) -> str:
    """What ledgers record instead of a key: the project and location the jobs live in."""
    return api_key_fingerprint(f"vertex:{project}/{location}")


def default_endpoint(location: str) -> str:
    """The real service's base URL for ``location`` (what sentinels record)."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"
