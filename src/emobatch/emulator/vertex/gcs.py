"""The Vertex emulator's Cloud Storage side: a google-cloud-storage client on the GCS emulator.

The emulator reads job input from, and writes predictions to, a GCS emulator such as
``gcp-storage-emulator`` (``http://127.0.0.1:<port>``), with anonymous credentials: it is a
client of that server like any other, and never talks to Google.
"""

from __future__ import annotations

from typing import Any

__all__ = ["split_uri", "storage_client"]


def storage_client(endpoint: str, project: str = "emobatch-vertex-emulator") -> Any:
    """A ``google.cloud.storage.Client`` for the GCS emulator at ``endpoint`` (with scheme)."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"the GCS endpoint {endpoint!r} needs its scheme (http://127.0.0.1:9023)")
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage  # type: ignore[import-untyped]

    return storage.Client(
        project=project,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": endpoint.rstrip("/")},
    )


def split_uri(uri: str) -> tuple[str, str]:
    """``gs://bucket/some/name`` -> ``("bucket", "some/name")``; ValueError otherwise."""
    if not uri.startswith("gs://"):
        raise ValueError(f"{uri!r} is not a gs:// URI")
    bucket, _, name = uri[len("gs://") :].partition("/")
    if not bucket:
        raise ValueError(f"{uri!r} names no bucket")
    return bucket, name
