"""Naming a chunk by a sha prefix, forgetting an attempt, and the shared ``final`` record."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from emobatch.backends.base import JobStatus
from emobatch.cli.main import main
from emobatch.errors import EmobatchError
from emobatch.ledger import Ledger, Work, record_final
from emobatch.operations.ledger_ops import (
    forget,
    live_final,
    plan_forget,
    resolve_chunk,
    sentinels_of,
    unique_prefix,
)
from emobatch.paths import RunPaths
from emobatch.stages.poll import PollSettings, poll_chunk
from tests.operations.conftest import ANALYSIS, submitted, write_chunk
from tests.pipeline.fakes import FakeBackend

OTHER = "a99999999999"
# two chunks whose sha256 share 13 digits, the first also under a second analysis
SHA_A = "abcdef0123456" + "0" * 51
SHA_B = "abcdef0123456" + "1" * 51


def intent(ledger: Ledger, sha: str, analysis: str, attempt: int = 0) -> None:
    ledger.append(
        "intent",
        chunk_sha256=sha,
        analysis_id=analysis,
        attempt=attempt,
        display_name=f"emobatch-{analysis}-{sha[:8]}",
        key_fp="sha256:gone",
    )


@pytest.fixture
def ambiguous(ledger: Ledger) -> Ledger:
    intent(ledger, SHA_A, ANALYSIS)
    intent(ledger, SHA_B, ANALYSIS)
    intent(ledger, SHA_A, OTHER)
    return ledger


def hinted_commands(exc: pytest.ExceptionInfo[EmobatchError]) -> list[list[str]]:
    """The argument lists of the `emobatch ledger forget ...` commands an error suggests."""
    return [
        shlex.split(cmd) for cmd in re.findall(r"`emobatch ledger forget ([^`]+)`", str(exc.value))
    ]


def test_unique_prefix_is_the_shortest_prefix_no_other_sha_has() -> None:
    assert unique_prefix(SHA_A, [SHA_B], 6) == SHA_A[:14]
    assert unique_prefix(SHA_A, [SHA_B, SHA_A], 20) == SHA_A[:20]  # the sha itself is no rival
    assert unique_prefix(SHA_A, ["ffff"], 12) == SHA_A[:12]
    assert unique_prefix("abc", ["abc0"], 12) == "abc"  # nothing shorter than all of it


def test_an_ambiguous_prefix_names_a_unique_command_for_every_match(ambiguous: Ledger) -> None:
    with pytest.raises(EmobatchError, match="matches 3 chunks or analyses") as exc:
        resolve_chunk(ambiguous, "abcdef")
    commands = hinted_commands(exc)
    assert (
        commands
        == [
            [SHA_A[:14], "--analysis", ANALYSIS],  # SHA_A exists under two analyses
            [SHA_A[:14], "--analysis", OTHER],
            [SHA_B[:14]],  # SHA_B is unique by its prefix alone
        ]
    )
    resolved = set()
    for args in commands:  # each hint works as printed, and names a different chunk
        analysis = args[args.index("--analysis") + 1] if "--analysis" in args else None
        resolved.add(resolve_chunk(ambiguous, args[0], analysis))
    assert resolved == {(SHA_A, ANALYSIS), (SHA_A, OTHER), (SHA_B, ANALYSIS)}


def test_the_printed_hint_works_on_the_command_line(project: Path, ambiguous: Ledger) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["ledger", "forget", "abcdef", "--yes", "--project", str(project)])
    assert first.exit_code == 1 and "next step: name one of them:" in first.stderr
    args = re.findall(r"`emobatch ledger forget ([^`]+)`", " ".join(first.stderr.split()))[0]
    again = runner.invoke(
        main, ["ledger", "forget", *shlex.split(args), "--yes", "--project", str(project)]
    )
    assert again.exit_code == 0, again.output
    assert f"forgot the interrupted intent of emobatch-{ANALYSIS}-abcdef01" in again.stdout
    (rec,) = [r for r in ambiguous.records() if r["event"] == "forgotten"]
    assert (rec["chunk_sha256"], rec["analysis_id"], rec["attempt"]) == (SHA_A, ANALYSIS, 0)


def test_short_unknown_and_empty_prefixes_are_refused(ambiguous: Ledger) -> None:
    with pytest.raises(EmobatchError, match="too short"):
        resolve_chunk(ambiguous, "abc")
    with pytest.raises(EmobatchError, match=r"no ledger record .* under analysis a1"):
        resolve_chunk(ambiguous, "abcdef", "a1")
    assert resolve_chunk(ambiguous, "ABCDEF", OTHER) == (SHA_A, OTHER)


def test_forget_refuses_a_confirmed_job_unless_it_was_cancelled(ledger: Ledger) -> None:
    run = RunPaths("pilot", ANALYSIS)
    s = submitted(ledger, run, write_chunk(run), "batches/j1")
    asked: list[str] = []

    def running(sub: dict[str, object]) -> str | None:
        asked.append(str(sub["job_name"]))
        return None

    with pytest.raises(EmobatchError, match=r"not finished.*pay for the same chunk twice") as exc:
        plan_forget(ledger, s.chunk_sha256[:12], live_state=running)
    assert "emobatch jobs cancel batches/j1" in str(exc.value) and asked == ["batches/j1"]

    backend = FakeBackend(state_sequence=["CANCELLED"])
    backend.jobs["batches/j1"] = JobStatus(name="batches/j1", display_name="x", state="PENDING")
    plan = plan_forget(
        ledger, s.chunk_sha256[:12], live_state=lambda sub: live_final(ledger, backend, sub)
    )
    assert plan.what == "job batches/j1 (CANCELLED)" and plan.attempt == 0
    finals = [r for r in ledger.records() if r["event"] == "final"]
    assert [(r["job_name"], r["state"]) for r in finals] == [("batches/j1", "CANCELLED")]
    # the final is recorded now: a second plan asks nobody
    assert plan_forget(ledger, s.chunk_sha256[:12]).what == plan.what

    forget(ledger, plan)
    assert ledger.attempt(s.chunk_sha256, ANALYSIS, 0).submitted is None
    assert sentinels_of(s.chunk_sha256, ANALYSIS) == [run.sentinel("chunk-0000")]
    assert sentinels_of(s.chunk_sha256, OTHER) == []
    with pytest.raises(EmobatchError, match="nothing to forget"):
        plan_forget(ledger, s.chunk_sha256[:12])


def test_a_finished_job_is_never_forgotten(ledger: Ledger) -> None:
    run = RunPaths("pilot", ANALYSIS)
    s = submitted(ledger, run, write_chunk(run), "batches/j1")
    record_final(ledger, s, JobStatus(name="batches/j1", display_name=None, state="SUCCEEDED"))
    with pytest.raises(EmobatchError, match=r"\(SUCCEEDED\).*pay for the same chunk twice"):
        plan_forget(ledger, s.chunk_sha256[:12])


def test_record_final_is_written_once_per_attempt_and_is_what_the_poller_writes(
    ledger: Ledger,
) -> None:
    run = RunPaths("pilot", ANALYSIS)
    chunk = write_chunk(run)
    s = submitted(ledger, run, chunk, "batches/job1")
    backend = FakeBackend()
    backend.jobs["batches/job1"] = JobStatus(name="batches/job1", display_name="d", state="PENDING")
    poll_chunk(backend, ledger, s, chunk, settings=PollSettings(blocking=False, job_resubmits=0))
    (polled,) = [r for r in ledger.records() if r["event"] == "final"]
    status = backend.get("batches/job1")
    assert record_final(ledger, s, status) is None  # the attempt has its final record
    assert record_final(ledger, Work(s.chunk_sha256, ANALYSIS, 0), status) is None

    other = Ledger(ledger.path.with_name("other.jsonl"))
    mine = record_final(other, Work(s.chunk_sha256, ANALYSIS, 0), status)
    assert mine is not None
    assert {k: v for k, v in mine.items() if k != "at"} == {
        k: v for k, v in polled.items() if k != "at"
    }
