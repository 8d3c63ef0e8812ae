"""A local emulator of the Gemini Developer API's Batch Mode (files + batches).

The unmodified ``google-genai`` SDK talks to it over loopback HTTP::

    from emobatch.emulator import serve_in_background
    with serve_in_background("state/") as server:
        client = genai.Client(api_key="x", http_options=types.HttpOptions(
            base_url=server.base_url, api_version="v1beta"))

State lives in a directory shared by any number of server processes; jobs progress by the
clock (no background work); answers come from the offline dictionary annotator; faults are
injected deterministically from a :class:`FaultPlan`. See ``docs/emulator.md``.
"""

from __future__ import annotations

from .background import EmulatorServer, serve_in_background
from .faults import FaultPlan, FaultPlanError, FaultRule, parse_fault_spec
from .models import KNOWN_MODELS
from .stats import read_stats

__all__ = [
    "KNOWN_MODELS",
    "EmulatorServer",
    "FaultPlan",
    "FaultPlanError",
    "FaultRule",
    "parse_fault_spec",
    "read_stats",
    "serve_in_background",
]
