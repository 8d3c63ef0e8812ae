"""The offline backend: emobatch's Gemini Batch emulator, served in-process, through the SDK.

Every pipeline rule is its own process; each starts an emulator on an ephemeral loopback port
over the same state directory, so files and jobs created by one rule are seen by the next.
"""

from __future__ import annotations

from pathlib import Path

from emobatch.backends.gemini import GeminiBackend
from emobatch.retry import RetryPolicy

LOCAL_API_KEY = "emobatch-local-offline"  # the emulator needs a key; this one is not a secret


class LocalBackend(GeminiBackend):
    name = "local"

    def __init__(
        self,
        state_dir: Path,
        *,
        latency_seconds: float = 0.0,
        faults: Path | None = None,
        seed: int = 0,
        retry: RetryPolicy | None = None,
    ) -> None:
        from emobatch.emulator import serve_in_background

        self._server = serve_in_background(
            Path(state_dir),
            latency_seconds=latency_seconds,
            faults=str(faults) if faults else None,
            seed=seed,
        )
        super().__init__(LOCAL_API_KEY, base_url=self._server.base_url, retry=retry)

    def close(self) -> None:
        super().close()
        self._server.close()
