"""The adapter the rules call (``emobatch.workflow.run(snakemake)``), without Snakemake.

A small stand-in for Snakemake's ``snakemake`` object (named input/output/log lists, wildcards,
rule, config) drives the real stages in a project folder under ``tmp_path`` on the local
backend (the real SDK against an in-process emulator), one rule after the other as Snakemake
would. What is checked here and not end to end: the paragraph an ``EmobatchError`` becomes,
exit codes 1 and 75, the verdict records in ``logs/verdicts/`` and the closing lines printed
from them (``emobatch.endings``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from emobatch import logs, workflow
from emobatch.analysis import analysis_for
from emobatch.config import Settings, validate_config
from emobatch.endings import VERDICTS, ending_lines
from emobatch.errors import ConfigError, JobStillRunning
from emobatch.paths import ModePaths, RunPaths
from emobatch.records import Collected, Sentinel, SubmittedIndex
from tests.e2e.conftest import REPO, write_posts

BAD = REPO / "tests" / "data" / "bad_inputs"


class Named(list[str]):
    """Snakemake's Namedlist: a list of paths whose entries may also have names."""

    def __init__(self, *items: Any, **named: Any) -> None:
        super().__init__([*map(str, items), *map(str, named.values())])
        self._named = {k: str(v) if isinstance(v, Path) else v for k, v in named.items()}
        self.__dict__.update(self._named)

    def items(self) -> Any:
        return self._named.items()


class Rule:
    """``snakemake`` as a rule's script sees it."""

    def __init__(
        self,
        rule: str,
        config: dict[str, Any],
        *,
        wildcards: dict[str, str],
        input: Named | None = None,
        output: Named | None = None,
        params: Named | None = None,
        log: Path | None = None,
    ) -> None:
        self.rule = rule
        self.config = config
        self.wildcards = Named(**wildcards)
        self.input = input or Named()
        self.output = output or Named()
        self.params = params or Named()
        self.log = Named(log) if log else Named()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``run`` sets up the root logger as a rule process would; put pytest's back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logs.set_context()


class Project:
    """A project folder (the current directory, as with ``snakemake --directory``)."""

    def __init__(self, root: Path, **overrides: Any) -> None:
        self.root = root
        raw = yaml.safe_load((root / "config" / "config.yaml").read_text("utf-8"))
        for key, value in overrides.items():
            raw[key] = {**raw[key], **value} if isinstance(value, dict) else value
        self.config = validate_config(raw)
        self.settings = Settings.from_dict(self.config)
        self.analysis = analysis_for(self.settings).id

    def rule(self, name: str, mode: str = "pilot", chunk: str | None = None, **io: Any) -> Rule:
        wildcards = {"mode": mode, "analysis": self.analysis}
        if chunk:
            wildcards["chunk"] = chunk
        run = RunPaths(mode, self.analysis)
        log = ModePaths(mode).log(name) if name == "results_merge" else run.log(name, chunk)
        if name == "results_merge":
            del wildcards["analysis"]
        return Rule(name, self.config, wildcards=wildcards, log=log, **io)

    def run(self, rule: Rule) -> int:
        """``workflow.run``; returns the exit code (0 when it returned)."""
        try:
            workflow.run(rule)
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    def verdicts(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted(VERDICTS.glob("*.json"))]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 12)
    monkeypatch.chdir(root)
    return root


def _pilot_until_submitted(p: Project, mode: str = "pilot") -> tuple[RunPaths, Path]:
    run = RunPaths(mode, p.analysis)
    steps = [
        p.rule(
            "filter_select",
            mode,
            output=Named(selected=run.selected, report=run.filter_report, dropped=run.dropped),
        ),
        p.rule(
            "requests_build", mode, input=Named(selected=run.selected), output=Named(run.chunks_dir)
        ),
        p.rule(
            "requests_estimate",
            mode,
            input=Named(chunks=run.chunks_dir),
            output=Named(estimate=run.estimate),
        ),
    ]
    for step in steps:
        assert p.run(step) == 0, step.rule
    (chunk,) = run.chunk_files()
    submit = p.rule(
        "batch_submit",
        mode,
        chunk.stem,
        input=Named(chunk=chunk, estimate=run.estimate),
        output=Named(sentinel=run.sentinel(chunk.stem)),
    )
    assert p.run(submit) == 0
    return run, chunk


def test_every_rule_through_the_adapter_on_the_local_backend(project: Path) -> None:
    p = Project(project)
    run, chunk = _pilot_until_submitted(p)
    name = chunk.stem
    rules = [
        p.rule(
            "batch_submitted",
            input=Named(sentinels=[run.sentinel(name)]),
            output=Named(run.submitted),
            params=Named(started=0.0),
        ),
        p.rule(
            "batch_poll",
            chunk=name,
            input=Named(sentinel=run.sentinel(name)),
            output=Named(marker=run.marker(name)),
        ),
        p.rule(
            "batch_download",
            chunk=name,
            input=Named(marker=run.marker(name)),
            output=Named(raw=run.raw(name)),
        ),
        p.rule(
            "batch_recover",
            chunk=name,
            input=Named(marker=run.marker(name), raw=run.raw(name)),
            output=Named(run.recovered(name)),
        ),
        p.rule(
            "results_parse",
            chunk=name,
            input=Named(recovered=run.recovered(name)),
            output=Named(parsed=run.parsed(name)),
        ),
        p.rule(
            "results_collect", input=Named(parsed=[run.parsed(name)]), output=Named(run.collected)
        ),
    ]
    for rule in rules:
        assert p.run(rule) == 0, rule.rule
    mode = ModePaths("pilot")
    merge = p.rule(
        "results_merge",
        input=Named(selected=run.selected, collected=run.collected),
        output=Named(
            parquet=mode.parquet, csv=mode.csv, summary=mode.summary, columns=mode.columns
        ),
    )
    assert p.run(merge) == 0
    df = pd.read_parquet(mode.parquet)
    assert len(df) == 5 and set(df["status"]) == {"ok"} and df["post_id"].is_unique
    assert df["batch_job"].str.startswith("batches/").all()
    summary = json.loads(mode.summary.read_text("utf-8"))
    assert summary["posts"] == 5 and summary["this_run"] == 5 and summary["failed"] == 0
    collected = Collected.load(run.collected)
    assert collected.rows == 5 and collected.parsed == [str(run.parsed(name))]
    index = SubmittedIndex.load(run.submitted)
    assert index.submitted_now == 1 and index.requests == 5
    assert index.jobs[0]["how"] == "created"
    assert index.next_step.startswith("snakemake --cores 2 results/pilot.parquet")
    # every rule logged its start and end to its own log; the story is in the analysis log
    for rule in rules:
        text = Path(rule.log[0]).read_text("utf-8")
        assert f"rule {rule.rule} started" in text and f"rule {rule.rule} finished" in text
    story = Path("logs", "analysis.log").read_text("utf-8")
    for event in ("BATCH submit", "BATCH poll", "BATCH download", "BATCH merge"):
        assert event in story
    assert p.verdicts() == []  # nothing failed, nothing waits

    # the submit again (e.g. forced): the ledger answers, and the index says so
    again = p.rule(
        "batch_submit",
        chunk=name,
        input=Named(chunk=chunk, estimate=run.estimate),
        output=Named(sentinel=run.sentinel(name)),
    )
    assert p.run(again) == 0 and Sentinel.load(run.sentinel(name)).how == "ledger"
    assert p.run(rules[0]) == 0
    index = SubmittedIndex.load(run.submitted)
    assert index.submitted_now == 0 and index.jobs[0]["how"] == "ledger"
    assert "pilot: 1 job(s), 0 of them submitted by this run" in Path(rules[0].log[0]).read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("missing_id_column.csv", ["no column 'post_id'", "set input.id_column"]),
        ("invalid_utf8.csv", ["row 3, column 'text'", "iconv -f cp949 -t utf-8"]),
        ("header_only.csv", ["has a header but no rows"]),
    ],
)
def test_a_stage_error_is_a_paragraph_exit_1_and_a_verdict(
    project: Path, name: str, needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """(the input files of tests/e2e/test_bad_input_edge.py beyond its first one)"""
    shutil.copy(BAD / name, project / "data" / "raw" / name)
    p = Project(project, input={"path": f"data/raw/{name}"})
    run = RunPaths("pilot", p.analysis)
    rule = p.rule(
        "filter_select",
        output=Named(selected=run.selected, report=run.filter_report, dropped=run.dropped),
    )
    assert p.run(rule) == 1
    err = capsys.readouterr().err
    log = Path(rule.log[0]).read_text("utf-8")
    for text in (err, log):
        assert "ERROR   emobatch.workflow: filter_select failed: " in text
        assert all(needle in text for needle in needles), text
        assert "next step:" in text and "Traceback" not in text
    assert not run.selected.exists() and not Path("results", "ledger").exists()
    (verdict,) = p.verdicts()
    assert verdict["rule"] == "filter_select" and verdict["kind"] == "error"
    assert verdict["wildcards"] == {"mode": "pilot", "analysis": p.analysis}
    assert verdict["log"] == rule.log[0] and all(n in verdict["message"] for n in needles)
    # the closing lines Snakemake's onerror handler prints from it
    lines = ending_lines(False, since=0)
    assert lines[0] == "emobatch: the run stopped: 1 job(s) failed."
    assert lines[1].startswith(f"  filter_select (mode pilot, analysis {p.analysis}): ")
    assert needles[0] in lines[1]
    assert lines[2] == f"    log: {rule.log[0]}" and lines[3].startswith("    next step: ")


def test_a_job_still_running_exits_75_with_its_verdict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = Project(project, batch={"blocking": False}, local={"latency_seconds": 600})
    run, chunk = _pilot_until_submitted(p)
    poll = p.rule(
        "batch_poll",
        chunk=chunk.stem,
        input=Named(sentinel=run.sentinel(chunk.stem)),
        output=Named(marker=run.marker(chunk.stem)),
    )
    assert p.run(poll) == workflow.EXIT_STILL_RUNNING == 75
    assert not run.marker(chunk.stem).exists()
    err = capsys.readouterr().err
    assert "WARNING emobatch.workflow: job batches/" in err and "Traceback" not in err
    assert "re-run the same snakemake command later to resume" in err
    (verdict,) = p.verdicts()
    assert verdict["kind"] == "still_running" and verdict["rule"] == "batch_poll"
    assert verdict["wildcards"]["chunk"] == chunk.stem
    lines = ending_lines(False, since=0)
    assert lines[0].startswith(
        "emobatch: 1 job(s) still running: re-run the same command to resume (nothing is "
        "submitted again)."
    )
    assert lines[1].startswith(
        f"  batch_poll (mode pilot, analysis {p.analysis}, chunk {chunk.stem}): job batches/"
    )
    assert len(lines) == 2


def test_a_job_of_another_analysis_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = Project(project)
    run = RunPaths("pilot", "a000000000ff")
    rule = Rule(
        "filter_select",
        p.config,
        wildcards={"mode": "pilot", "analysis": "a000000000ff"},
        output=Named(selected=run.selected, report=run.filter_report, dropped=run.dropped),
        log=run.log("filter_select"),
    )
    assert p.run(rule) == 1
    assert f"the current configuration defines analysis {p.analysis}" in capsys.readouterr().err
    assert not run.selected.exists()


def test_exit_codes_follow_the_kind_of_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = Project(project)

    def still(settings: Settings, sm: Any) -> None:
        raise JobStillRunning("job batches/x is running", hint="later")

    def refused(settings: Settings, sm: Any) -> None:
        raise ConfigError("no", hint="fix it")

    def bug(settings: Settings, sm: Any) -> None:
        raise KeyError("a bug is not an EmobatchError")

    rule = p.rule("results_collect")
    monkeypatch.setitem(workflow.STAGES, "results_collect", still)
    assert p.run(rule) == 75
    monkeypatch.setitem(workflow.STAGES, "results_collect", refused)
    assert p.run(rule) == 1
    monkeypatch.setitem(workflow.STAGES, "results_collect", bug)
    with pytest.raises(KeyError):  # a bug keeps its traceback
        workflow.run(rule)
    # one verdict file per rule job: the latest kind wins
    (verdict,) = p.verdicts()
    assert verdict["kind"] == "error" and verdict["message"].startswith("no\n  next step: fix")
