"""Named crash points for the crash-matrix tests.

``EMOBATCH_CRASH_AT=<name>`` makes the process kill itself with SIGKILL (no cleanup, no
``finally``, exactly like ``kill -9`` or a power cut) when it reaches that point. With
``EMOBATCH_CRASH_SCOPE=group`` the whole process group dies (the Snakemake controller and
every running job, as ``kill -9`` of the pipeline would). Unset, a crash point costs one
dictionary lookup. Points: ``before_upload``, ``after_upload``,
``after_create`` (the job exists, the ledger has no confirmation, no sentinel), ``during_poll``,
``during_download``, ``during_parse``, ``during_merge``, ``during_realtime`` (after an answer of
a synchronous call was fsynced). ``EMOBATCH_CRASH_AFTER=<n>`` fires at the n-th time the point
is reached in the process (default: the first).
"""

from __future__ import annotations

import os
import signal

VARIABLE = "EMOBATCH_CRASH_AT"
SCOPE_VARIABLE = "EMOBATCH_CRASH_SCOPE"
AFTER_VARIABLE = "EMOBATCH_CRASH_AFTER"
_reached: dict[str, int] = {}


def crashpoint(name: str) -> None:
    if os.environ.get(VARIABLE) != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] < int(os.environ.get(AFTER_VARIABLE) or 1):
        return
    if os.environ.get(SCOPE_VARIABLE) == "group":
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
