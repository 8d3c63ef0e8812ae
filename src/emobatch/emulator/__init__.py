"""A local emulator of the Gemini Developer API (Batch Mode, Files, Models, generateContent).

The unmodified ``google-genai`` SDK talks to it over loopback HTTP::

    from emobatch.emulator import serve_in_background
    with serve_in_background("state/") as server:
        client = genai.Client(api_key="x", http_options=types.HttpOptions(
            base_url=server.base_url, api_version="v1beta"))

State lives in a directory shared by any number of server processes; jobs progress by the
server's clock (no background work); which models exist, how they think and where shut-down
ones are routed comes from the model catalogue (``emobatch/data/models.yaml``); answers come
from the offline dictionary annotator; faults are injected deterministically from a
:class:`FaultPlan`. See ``docs/emulator.md``. The Vertex AI batch surface
(``batchPredictionJobs`` over a Cloud Storage emulator) is :mod:`.vertex` (``docs/vertex.md``).
"""

from __future__ import annotations

from .background import EmulatorServer, ServerOptions, create_server, serve_in_background
from .clock import Clock, ManualClock, SystemClock, today
from .faults import FaultPlan, FaultPlanError, FaultRule, parse_fault_spec
from .models import ModelInfo, ModelRegistry
from .stats import read_stats
from .vertex import VertexEmulatorServer, create_vertex_server, serve_vertex_in_background

__all__ = [
    "Clock",
    "EmulatorServer",
    "FaultPlan",
    "FaultPlanError",
    "FaultRule",
    "ManualClock",
    "ModelInfo",
    "ModelRegistry",
    "ServerOptions",
    "SystemClock",
    "VertexEmulatorServer",
    "create_server",
    "create_vertex_server",
    "parse_fault_spec",
    "read_stats",
    "serve_in_background",
    "serve_vertex_in_background",
    "today",
]
