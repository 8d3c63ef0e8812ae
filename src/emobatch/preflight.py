"""Ask the provider before paying: the model exists and runs batch jobs.

Called before a chunk is uploaded (``batch_submit``), through the backend seam, on every
backend (the emulator answers ``models.get`` as the real service does). The catalogue's own
verdict (shut down, unknown) stops a run earlier, when the configuration is read
(:func:`emobatch.analysis.model_entry`).
"""

from __future__ import annotations

import logging

from emobatch.backends.base import BatchBackend, ModelInfo
from emobatch.errors import ModelUnavailable

log = logging.getLogger("emobatch.preflight")
BATCH_ACTION = "batchGenerateContent"


def check_model(backend: BatchBackend, model: str, *, action: str = BATCH_ACTION) -> ModelInfo:
    """The provider's model ``model``; ModelUnavailable when it is unknown or lacks ``action``."""
    info = backend.get_model(model)
    if info.supported_actions and action not in info.supported_actions:
        raise ModelUnavailable(
            f"the provider lists {model} without {action} among its supported actions "
            f"({', '.join(info.supported_actions)}): it cannot run this delivery",
            hint="pick a model that supports it (`emobatch models`); nothing was uploaded",
        )
    log.info(
        "provider knows %s (version %s; supports %s)",
        info.name,
        info.version or "?",
        ", ".join(info.supported_actions) or "?",
    )
    return info
