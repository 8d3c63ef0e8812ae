"""The pilot mode end to end on a real (single-node) SLURM cluster, with profiles/slurm.

What it does:

1. builds a separate venv for the SLURM executor plugin (``pip install -e '<repo>[slurm]'``),
   cached in ``.venv-slurm/`` (rebuilt when pyproject.toml changes). The plugin must not go into
   ``.venv``: once installed, every ``snakemake`` call asks the SLURM controller for its config.
2. starts munged + slurmctld + slurmd with ``ci/slurm/cluster.sh start`` (installs Debian's
   packages the first time);
3. runs ``results/pilot.parquet`` with ``--profile profiles/slurm`` in one temporary project
   and, at the same time, with the plain local executor of ``.venv`` in another;
4. checks that the heavy rules ran as SLURM jobs and the network-bound ones on the login node,
   and that both runs produced the same dataset;
5. stops exactly the daemons it started (by PID, ``ci/slurm/cluster.sh stop``), also on failure.

Evidence for "where did a rule run":

* SLURM's own job records: the plugin names every job after the run id and sets its comment to
  ``rule_<rule>_wildcards_<...>``; ``MinJobAge=3600`` keeps finished jobs visible to
  ``squeue --states=all`` (there is no accounting, so no sacct);
* the plugin's per-job logs ``.snakemake/slurm_logs/rule_<rule>/<wildcards>/<jobid>.log``
  (kept with ``--slurm-keep-successful-logs``);
* the process itself: a ``sitecustomize`` probe on PYTHONPATH records, for every rule script
  Snakemake starts, the rule name and ``SLURM_JOB_ID`` as the process sees it.

Skipped (with the reason) where Debian packages cannot be installed: not root, or no apt-get.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from tests.e2e.conftest import write_posts

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "ci" / "slurm" / "cluster.sh"
PROFILE = REPO / "profiles" / "slurm"
SLURM_VENV = Path(os.environ.get("EMOBATCH_SLURM_VENV", REPO / ".venv-slurm"))
STATE_DIR = Path(os.environ.get("SLURM_CI_STATE_DIR", "/run/emobatch-slurm-ci"))
LOCK_DIR = Path(tempfile.gettempdir())

HEAVY = {"filter_select", "requests_build", "results_parse", "results_merge"}
LOCAL = {"requests_estimate", "batch_submit", "batch_poll", "batch_download", "batch_recover"}
# differ between any two runs: when, which emulated batch job, which response id
VOLATILE = {"analysed_at", "batch_job", "response_id"}
RUN_TIMEOUT = 480  # seconds; the run takes ~1.5 min here

PROBE = '''\
"""Test probe: record where each Snakemake rule script runs (tests/slurm)."""
import json, os, re, socket, sys
_arg0 = sys.argv[0] if sys.argv else ""
_m = re.search(r"\\.snakemake/scripts/tmp[^/]*?\\.([A-Za-z_]+)\\.py$", _arg0)
if _m and os.environ.get("EMOBATCH_PROBE_FILE"):
    with open(os.environ["EMOBATCH_PROBE_FILE"], "a", encoding="utf-8") as _fh:
        _fh.write(json.dumps({"rule": _m.group(1), "pid": os.getpid(), "host": socket.gethostname(),
                              "slurm_job_id": os.environ.get("SLURM_JOB_ID")}) + "\\n")
'''


def _cannot_run() -> str | None:
    if not sys.platform.startswith("linux"):
        return "SLURM test needs Linux"
    if os.geteuid() != 0:
        return "SLURM test needs root (installs Debian's slurm packages, runs slurmd)"
    if not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        return "SLURM test needs apt-get to install Debian's slurm packages"
    return None


pytestmark = [
    pytest.mark.slow,
    # one cluster per machine (daemons, their ports, .venv-slurm): never two workers at once
    pytest.mark.xdist_group("slurm"),
    pytest.mark.timeout(900),  # a cold start installs packages and builds a venv (~1.5 min)
    pytest.mark.skipif(_cannot_run() is not None, reason=_cannot_run() or ""),
]


def _clean_env() -> dict[str, str]:
    """The caller's environment without API keys, emobatch test hooks or SLURM job context."""
    drop = {"GEMINI_API_KEY", "GOOGLE_API_KEY", "EMOBATCH_CRASH_AT", "EMOBATCH_GEMINI_BASE_URL"}
    return {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("SLURM_", "SBATCH_", "SRUN_"))
    }


@pytest.fixture(scope="module")
def slurm_venv() -> Path:
    """A venv with emobatch (editable) and the SLURM executor plugin, reused between runs."""
    # editable install: the venv belongs to this checkout and this pyproject.toml
    stamp_id = hashlib.sha256(
        str(REPO).encode() + (REPO / "pyproject.toml").read_bytes()
    ).hexdigest()[:16]
    stamp = SLURM_VENV / f".installed-{stamp_id}"
    with FileLock(str(LOCK_DIR / "emobatch-slurm-venv.lock"), timeout=900):
        if not stamp.exists():
            t0 = time.monotonic()
            owned = SLURM_VENV / ".built-by-tests-slurm"
            if SLURM_VENV.exists() and any(SLURM_VENV.iterdir()) and not owned.exists():
                pytest.fail(
                    f"{SLURM_VENV} exists but was not built by this test; remove it or "
                    "point EMOBATCH_SLURM_VENV elsewhere"
                )
            shutil.rmtree(SLURM_VENV, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(SLURM_VENV)], check=True)
            owned.touch()
            pip = subprocess.run(
                [
                    str(SLURM_VENV / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "-e",
                    f"{REPO}[slurm]",
                ],
                capture_output=True,
                text=True,
                env=_clean_env(),
            )
            assert pip.returncode == 0, f"pip install failed:\n{pip.stdout}\n{pip.stderr}"
            stamp.touch()
            print(f"built {SLURM_VENV} in {time.monotonic() - t0:.0f} s")
    return SLURM_VENV


def _daemons() -> dict[str, int]:
    path = STATE_DIR / "daemons"
    if not path.exists():
        return {}
    return {
        name: int(pid)
        for name, pid in (line.split() for line in path.read_text().splitlines() if line.strip())
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, int]]:
    """A running single-node cluster; stopped again (by PID) if this fixture started it."""
    env = {**_clean_env(), "SLURM_CI_STATE_DIR": str(STATE_DIR)}
    with FileLock(str(LOCK_DIR / "emobatch-slurm-cluster.lock"), timeout=900):
        running = subprocess.run(
            [str(CLUSTER), "status"], env=env, capture_output=True, text=True
        ).returncode == 0 and all(map(_alive, _daemons().values()))
        try:
            t0 = time.monotonic()
            subprocess.run([str(CLUSTER), "start"], env=env, check=True)
            if not running:
                print(f"cluster started in {time.monotonic() - t0:.0f} s: {_daemons()}")
            yield _daemons()
        finally:
            if not running:  # also after a failed start: stop what it managed to start
                started = _daemons()
                subprocess.run([str(CLUSTER), "stop"], env=env, check=True)
                left = {n: p for n, p in started.items() if _alive(p)}
                assert not left, f"daemons still running after stop: {left}"


def _project(root: Path) -> Path:
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 30)
    return root


def _slurm_jobs(run_id: str) -> dict[int, tuple[str, str, str]]:
    """SLURM job id -> (rule, state, partition) of every job of this Snakemake run (squeue keeps
    finished jobs for MinJobAge)."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--name", run_id, "--format=%i|%k|%T|%P"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = {}
    for line in out.splitlines():
        jobid, comment, state, partition = line.strip().split("|")
        m = re.fullmatch(r"rule_([a-z_]+?)(?:_wildcards_.*)?", comment)
        assert m, f"unexpected job comment {comment!r}"
        jobs[int(jobid)] = (m.group(1), state, partition)
    return jobs


def _dataset(project: Path) -> pd.DataFrame:
    df = pd.read_parquet(project / "results" / "pilot.parquet")
    return df.drop(columns=sorted(VOLATILE & set(df))).sort_values("post_id").reset_index(drop=True)


def test_pilot_on_slurm_matches_local_run(
    tmp_path: Path, slurm_venv: Path, cluster: dict[str, int]
) -> None:
    t0 = time.monotonic()
    # the plugin belongs in the cluster venv only (see the module docstring)
    assert importlib.util.find_spec("snakemake_executor_plugin_slurm") is None, (
        f"the SLURM plugin is installed in {sys.prefix}; uninstall it there"
    )
    sm_proj = _project(tmp_path / "slurm")
    local_proj = _project(tmp_path / "local")
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(PROBE, encoding="utf-8")
    probe_file = tmp_path / "probe.jsonl"
    env = _clean_env()

    # the reference: the same project with the normal local executor (.venv), run meanwhile
    local_out = (tmp_path / "local.out").open("w")
    local = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(local_proj),
            "--cores",
            "2",
            "results/pilot.parquet",
        ],
        cwd=local_proj,
        env=env,
        stdout=local_out,
        stderr=subprocess.STDOUT,
    )
    try:
        cmd = [
            "timeout",
            "-s",
            "INT",
            "-k",
            "30",
            str(RUN_TIMEOUT),
            str(slurm_venv / "bin" / "snakemake"),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(sm_proj),
            "--profile",
            str(PROFILE),
            "results/pilot.parquet",
            "--slurm-init-seconds-before-status-checks",
            "4",
            "--slurm-keep-successful-logs",
            # docs/hpc.md's way to choose a partition (not the cluster's default `debug`)
            "--default-resources",
            "mem_mb=1000",
            "runtime=30",
            "slurm_partition=batch",
        ]
        sm_env = {**env, "PYTHONPATH": str(probe_dir), "EMOBATCH_PROBE_FILE": str(probe_file)}
        proc = subprocess.run(cmd, cwd=sm_proj, env=sm_env, capture_output=True, text=True)
        slurm_secs = time.monotonic() - t0
        output = proc.stdout + proc.stderr
        (tmp_path / "slurm.out").write_text(output, encoding="utf-8")
        assert proc.returncode == 0, (
            f"SLURM run exited {proc.returncode} after {slurm_secs:.0f} s "
            f"(124 = timed out)\n{output[-6000:]}"
        )
        local_rc = local.wait(timeout=RUN_TIMEOUT)
    finally:
        if local.poll() is None:
            local.kill()
            local.wait()
        local_out.close()
    assert local_rc == 0, (tmp_path / "local.out").read_text(encoding="utf-8")[-6000:]

    # 1. SLURM's records: exactly the heavy rules ran as jobs, all completed
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    jobs = _slurm_jobs(run_id)
    by_rule: dict[str, set[int]] = {}
    for jobid, (rule, state, partition) in jobs.items():
        assert state == "COMPLETED", f"SLURM job {jobid} ({rule}) is {state}"
        assert partition == "batch", f"SLURM job {jobid} ({rule}) ran in {partition}"
        by_rule.setdefault(rule, set()).add(jobid)
    assert set(by_rule) == HEAVY, f"rules run as SLURM jobs: {by_rule}"
    for line in output.splitlines():  # what Snakemake says it submitted
        if m := re.search(r"Job \d+ has been submitted with SLURM jobid (\d+)", line):
            assert int(m.group(1)) in jobs

    # 2. the plugin's per-job logs: one per heavy job, none for a local rule
    logs = sm_proj / ".snakemake" / "slurm_logs"
    for rule, ids in by_rule.items():
        found = {int(p.stem) for p in (logs / f"rule_{rule}").rglob("*.log")}
        assert found == ids, (rule, found, ids)
    assert {p.name for p in logs.iterdir()} == {f"rule_{r}" for r in HEAVY}

    # 3. the rule processes themselves: SLURM_JOB_ID set exactly in the heavy rules
    seen = [json.loads(line) for line in probe_file.read_text("utf-8").splitlines()]
    for rec in seen:
        if rec["rule"] in HEAVY:
            assert rec["slurm_job_id"] and int(rec["slurm_job_id"]) in by_rule[rec["rule"]], rec
        else:
            assert rec["slurm_job_id"] is None, f"{rec['rule']} ran inside a SLURM job: {rec}"
    assert {r["rule"] for r in seen} >= HEAVY | LOCAL, seen
    for rule in LOCAL:
        assert f"localrule {rule}:" in output

    # 4. the same dataset as the local run (but for run-specific ids and timestamps)
    on_slurm, reference = _dataset(sm_proj), _dataset(local_proj)
    assert len(on_slurm) == 5 and set(on_slurm["status"]) == {"ok"}
    pd.testing.assert_frame_equal(on_slurm, reference)

    print(
        f"SLURM jobs {dict(sorted(jobs.items()))}; SLURM run {slurm_secs:.0f} s, "
        f"test body {time.monotonic() - t0:.0f} s"
    )
