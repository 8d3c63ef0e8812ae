"""An emulator of Vertex AI batch inference (``batchPredictionJobs``) over a GCS emulator.

The unmodified ``google-genai`` SDK in Vertex mode talks to it over loopback, and job input
and output live in a Cloud Storage emulator (``gcp-storage-emulator``) that it reads and
writes with ``google-cloud-storage``::

    from emobatch.emulator import serve_vertex_in_background
    with serve_vertex_in_background("state/", gcs_endpoint="http://127.0.0.1:9023") as server:
        client = genai.Client(vertexai=True, project="p", location="us-central1",
                              credentials=google.oauth2.credentials.Credentials(token="t"),
                              http_options=types.HttpOptions(base_url=server.base_url))

Answers come from the same responder (offline dictionary annotator), model registry
(catalogue) and fault plans as the Gemini emulator; jobs progress by the server's clock.
Wire shapes: ``../shared/docs/vertex-gcs.md`` §3-4, summarised in ``docs/vertex.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..clock import Clock, SystemClock
from ..faults import FaultPlan
from ..responder import Responder
from .app import VertexApp, VertexConfig
from .server import VertexEmulatorServer

__all__ = [
    "VertexApp",
    "VertexConfig",
    "VertexEmulatorServer",
    "create_vertex_server",
    "serve_vertex_in_background",
]


def create_vertex_server(
    state_dir: str | os.PathLike[str],
    *,
    gcs_endpoint: str,
    host: str = "127.0.0.1",
    port: int = 0,
    latency_seconds: float = 0.0,
    faults: FaultPlan | dict[str, Any] | list[Any] | str | os.PathLike[str] | None = None,
    seed: int = 0,
    token: str | None = None,
    catalogue: str | os.PathLike[str] | None = None,
    extra_models: tuple[str, ...] = (),
    clock: Clock | None = None,
    responder: Responder | None = None,
) -> VertexEmulatorServer:
    """Bind the server (not serving yet). Raises ``ValueError``/``OSError`` on bad options."""
    if latency_seconds < 0:
        raise ValueError("latency_seconds must be >= 0")
    config = VertexConfig(
        state_dir=Path(state_dir),
        gcs_endpoint=gcs_endpoint,
        latency_seconds=float(latency_seconds),
        faults=FaultPlan.coerce(faults),
        seed=int(seed),
        token=token,
        catalogue=Path(catalogue) if catalogue else None,
        extra_models=tuple(extra_models),
        clock=clock or SystemClock(),
    )
    return VertexEmulatorServer(VertexApp(config, responder=responder), host, port)


def serve_vertex_in_background(
    state_dir: str | os.PathLike[str], *, gcs_endpoint: str, **options: Any
) -> VertexEmulatorServer:
    """Serve from a daemon thread (``port=0``, the default, picks a free port)."""
    return create_vertex_server(state_dir, gcs_endpoint=gcs_endpoint, **options).start()
