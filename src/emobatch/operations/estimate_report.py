"""What a mode will cost under the current analysis, before anything is submitted.

:func:`estimate_chunks` is the estimate of a set of request chunks (``estimate.estimate_run``,
calibrated with the provider's ``countTokens`` on a sample when a backend is given, with the
budget verdict of ``estimate.with_budget``): what the ``requests_estimate`` rule writes to
``RunPaths.estimate``. :func:`estimate_for_mode` is what ``emobatch estimate MODE`` shows.
It reads, for the current analysis (``analysis_for(settings).id``):

1. ``RunPaths.estimate`` if the pipeline wrote it (the budget verdict is re-taken with the
   current ``budget_usd``);
2. else ``RunPaths.chunk_files()`` if the requests checkpoint ran: estimated from them;
3. else it builds the selection and the chunks into a temporary folder OUTSIDE ``results/``
   with the rules' own stage functions (``stages.filter.run_filter``,
   ``stages.requests.write_chunks``), estimates from those and deletes the folder.

It writes nothing under ``results/`` (and opens no ``local`` backend, whose emulator keeps its
state there: the emulator's ``countTokens`` is the heuristic itself). The filter report
(``RunPaths.filter_report``, or the temporary one) gives the post counts. When
``ModePaths.parquet`` holds rows of this analysis, ``coded`` says how many selected posts are
coded already and ``rerun`` what a re-run would pay: the chunks the ledger has no
``submitted`` record for (0 when every selected post is coded).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobatch import atomic
from emobatch.backends.base import BatchBackend
from emobatch.config import Settings
from emobatch.errors import BudgetExceeded
from emobatch.estimate import api_token_ratio, check_budget, estimate_run, scan_chunk, with_budget
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger
from emobatch.paths import ModePaths, RunPaths

if TYPE_CHECKING:
    from emobatch.analysis import Analysis

__all__ = ["POST_COUNTS", "estimate_chunks", "estimate_for_mode"]

POST_COUNTS = ("population", "selected", "already_analysed", "to_submit", "dropped_total")


def estimate_chunks(
    chunks: Sequence[Path],
    *,
    analysis: Analysis,
    mode: str,
    budget_usd: float | None,
    backend: BatchBackend | None = None,
) -> dict[str, Any]:
    """The estimate of submitting ``chunks``, with ``budget_usd`` and ``within_budget``."""
    ratio = 1.0
    if backend is not None and chunks:  # calibrate the heuristic with countTokens on a sample
        ratio = api_token_ratio(backend, analysis.model.name, scan_chunk(chunks[0])[2]) or 1.0
    estimate = estimate_run(chunks, analysis=analysis, mode=mode, token_ratio=ratio)
    return with_budget(estimate, budget_usd)


def _calibration_backend(settings: Settings) -> BatchBackend | None:
    """The provider to count tokens with: none for ``local`` or without credentials."""
    from emobatch.secrets import api_key_from_env

    if settings.backend == "local":
        return None
    if settings.backend == "gemini" and not api_key_from_env():
        return None
    from emobatch.backends import open_backend
    from emobatch.errors import EmobatchError

    try:
        return open_backend(settings)
    except EmobatchError:  # e.g. no Application Default Credentials: the heuristic alone
        return None


def _submitted_shas(settings: Settings, analysis: str) -> set[str]:
    if not settings.ledger_path.exists():  # Ledger() would create its folder under results/
        return set()
    return {
        str(r.get("chunk_sha256"))
        for r in Ledger(settings.ledger_path).records()
        if r.get("event") == "submitted" and r.get("analysis_id") == analysis
    }


def _coded(
    settings: Settings,
    mode: str,
    analysis: Analysis,
    selected: Path,
    chunks: Sequence[Path],
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """What the mode's dataset holds of this analysis, and what a re-run would pay."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    dataset = ModePaths(mode).parquet
    if not dataset.exists() or not selected.exists():
        return None, None
    table = pq.read_table(dataset, columns=["post_id", "status", "analysis_id"])
    mine = table.filter(pc.equal(table["analysis_id"], analysis.id))
    if mine.num_rows == 0:
        return None, None
    ok = set(mine.filter(pc.equal(mine["status"], "ok"))["post_id"].to_pylist())
    wanted = set(pq.read_table(selected, columns=["post_id"])["post_id"].to_pylist())
    missing = wanted - ok
    coded = {
        "dataset": str(dataset),
        "rows": mine.num_rows,
        "ok": len(ok),
        "selected": len(wanted),
        "not_coded": len(missing),
    }
    paid = _submitted_shas(settings, analysis.id) if missing else set()
    unpaid = [c for c in chunks if missing and file_sha256(c) not in paid]
    cost = estimate_run(unpaid, analysis=analysis, mode=mode) if unpaid else None
    rerun = {
        "chunks": len(unpaid),
        "requests": cost["requests"] if cost else 0,
        "usd_batch": cost["usd_batch"] if cost else 0.0,
        "usd_interactive": cost["usd_interactive"] if cost else 0.0,
    }
    return coded, rerun


def _from_scratch(
    settings: Settings, mode: str, analysis: Analysis, backend: BatchBackend | None
) -> tuple[dict[str, Any], dict[str, Any], tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Filter and build requests into a temporary folder; estimate; delete the folder."""
    from emobatch.stages.filter import run_filter
    from emobatch.stages.requests import write_chunks

    with tempfile.TemporaryDirectory(prefix="emobatch-estimate-") as tmp:
        scratch = RunPaths(mode, analysis.id, root=Path(tmp))
        report = run_filter(
            settings,
            mode,
            analysis=analysis.id,
            out_selected=scratch.selected,
            out_report=scratch.filter_report,
            out_dropped=scratch.dropped,
        )
        write_chunks(
            settings, selected=scratch.selected, out_dir=scratch.chunks_dir, analysis=analysis
        )
        chunks = scratch.chunk_files()
        estimate = estimate_chunks(
            chunks, analysis=analysis, mode=mode, budget_usd=settings.budget_usd, backend=backend
        )
        coded = _coded(settings, mode, analysis, scratch.selected, chunks)
    return estimate, report, coded


def _budget_message(estimate: dict[str, Any], budget_usd: float | None) -> str | None:
    try:
        check_budget(estimate, budget_usd)
    except BudgetExceeded as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def _token_counter(
    settings: Settings, backend: BatchBackend | None
) -> Iterator[BatchBackend | None]:
    if backend is not None:
        yield backend
        return
    own = _calibration_backend(settings)
    try:
        yield own
    finally:
        if own is not None:
            own.close()


def estimate_for_mode(
    settings: Settings,
    mode: str,
    *,
    rebuild: bool = False,
    backend: BatchBackend | None = None,
) -> dict[str, Any]:
    """The current analysis' estimate for ``mode`` (see the module); writes nothing under
    ``results/``.

    ``rebuild`` ignores the pipeline's estimate and chunks (to see the effect of changed
    posts); ``backend`` counts tokens on a sample when the estimate is computed here (default:
    the configured provider for a paid backend with an API key, none for ``local``).
    """
    from emobatch.analysis import analysis_for

    analysis = analysis_for(settings)
    run = RunPaths(mode, analysis.id)
    budget = settings.budget_usd
    if not rebuild and run.estimate.exists():
        source = "estimate_file"
        estimate = with_budget(atomic.read_json(run.estimate), budget)
    elif not rebuild and run.chunks_dir.is_dir():
        source = "chunks"
        with _token_counter(settings, backend) as counter:
            estimate = estimate_chunks(
                run.chunk_files(), analysis=analysis, mode=mode, budget_usd=budget, backend=counter
            )
    else:
        source = "built"
        with _token_counter(settings, backend) as counter:
            estimate, report, (coded, rerun) = _from_scratch(settings, mode, analysis, counter)
    if source != "built":
        report = atomic.read_json(run.filter_report) if run.filter_report.exists() else {}
        coded, rerun = _coded(settings, mode, analysis, run.selected, run.chunk_files())
    return {
        **estimate,
        "source": source,
        "estimate_file": str(run.estimate) if source == "estimate_file" else None,
        "built_now": source == "built",
        "budget_message": _budget_message(estimate, budget),
        "posts": {k: report.get(k) for k in POST_COUNTS},
        "coded": coded,
        "rerun": rerun,
    }
