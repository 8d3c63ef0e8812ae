"""Run the real Snakemake workflow in a temporary project folder.

Each test gets a folder with a copy of ``config/`` and its own posts file; Snakemake runs as a
subprocess (the same code path as a user's ``snakemake`` call) with ``--directory`` pointing
there, so results, logs, ledger, history and the emulator state stay inside ``tmp_path``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

KO = [
    "오늘 너무 행복해요 ㅋㅋ",
    "진짜 화나네 ㅡㅡ",
    "시험 망해서 슬프다 ㅠㅠ",
    "내일 여행 기대된다!",
    "헐 대박 깜짝 놀랐어",
    "밤길이 무서워요",
    "이 음식 역겹다",
    "너를 믿어, 응원할게",
    "그냥 출근하는 중",
    "비가 오네요",
]
EN = [
    "I am so happy today!",
    "This makes me furious.",
    "I miss her so much, so sad.",
    "Can't wait for the concert next week!",
    "Wow, I did not expect that at all!",
    "I'm scared of the storm tonight.",
    "That smell is disgusting.",
    "I trust you completely.",
    "Just taking the bus to work.",
    "The meeting is at 3pm.",
]


def write_posts(path: Path, n: int, *, prefix: str = "p") -> Path:
    """n synthetic posts (Korean and English), with a carried column."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["post_id", "text", "likes", "platform"])
        for i in range(n):
            base = (KO + EN)[i % 20]
            w.writerow([f"{prefix}{i:05d}", f"{base} #{i}", i % 7, "x" if i % 2 else "naver"])
    return path


class Project:
    def __init__(self, root: Path, snakefile: Path | None = None) -> None:
        self.root = root
        self.snakefile = snakefile or REPO / "Snakefile"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "GEMINI_API_KEY",
                "GOOGLE_API_KEY",
                "EMOBATCH_CRASH_AT",
                "EMOBATCH_GEMINI_BASE_URL",
            )
        }

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def snakemake(
        self,
        *args: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        timeout: float = 300,
        new_session: bool = False,  # for kill -9 of the whole group (crash tests)
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(self.snakefile),
            "--directory",
            str(self.root),
            "--cores",
            "2",
            *args,
        ]
        proc = subprocess.run(
            cmd,
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=timeout,
            start_new_session=new_session,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"snakemake {' '.join(args)} exited {proc.returncode}\n--- stdout\n"
                f"{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-8000:]}"
            )
        return proc

    def ledger_events(self, event: str | None = None) -> list[dict]:
        path = self.path("results", "ledger", "submissions.jsonl")
        if not path.exists():
            return []
        out = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        return [r for r in out if event is None or r["event"] == event]

    def emulator_jobs(self) -> list:
        """Every job in the local emulator's state, listed through the real SDK."""
        from google import genai
        from google.genai import types

        from emobatch.emulator import serve_in_background

        with serve_in_background(self.path("results", "emulator")) as server:
            client = genai.Client(
                api_key="inspect",
                http_options=types.HttpOptions(base_url=server.base_url, api_version="v1beta"),
            )
            return list(client.batches.list(config={"page_size": 2}))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    shutil.copytree(REPO / "config", tmp_path / "config")
    write_posts(tmp_path / "data" / "raw" / "posts.csv", 40)
    yield Project(tmp_path)


def copy_project(source: Project, root: Path) -> Project:
    """A copy of a project folder, results, ledger, history, emulator state and Snakemake's
    metadata included; modification times are kept, so Snakemake sees the same state."""
    shutil.copytree(source.root, root, symlinks=True)
    return Project(root, snakefile=source.snakefile)


@pytest.fixture(scope="session")
def pilot_built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """40 posts with ``results/pilot.parquet`` run once (per xdist worker: tests that use it
    carry ``xdist_group("pilot")``). Read it only; a test that changes it takes ``pilot_copy``."""
    root = tmp_path_factory.mktemp("pilot-built")
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 40)
    built = Project(root)
    built.snakemake("results/pilot.parquet")
    return built


@pytest.fixture
def pilot_copy(pilot_built: Project, tmp_path: Path) -> Project:
    """A project of its own in the state ``pilot_built`` left."""
    return copy_project(pilot_built, tmp_path / "pilot")


def private_workflow(root: Path) -> Path:
    """A copy of the Snakefile and ``workflow/`` under ``root`` with every file dated
    2000-01-01, for a test that touches a rule's script (Snakemake's code trigger) without
    touching the repository's, which other tests and other workers run at the same time.
    Returns the copied Snakefile."""
    dest = root / "workflow-copy"
    dest.mkdir()
    shutil.copy2(REPO / "Snakefile", dest / "Snakefile")
    shutil.copytree(
        REPO / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__")
    )
    old = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()
    for path in [*dest.rglob("*"), dest]:
        os.utime(path, (old, old))
    return dest / "Snakefile"


def age_emulator_jobs(state: Path, seconds: float) -> int:
    """Let ``seconds`` pass for the unfinished jobs of an emulator state directory, at once.

    A job's state is a pure function of the server's clock minus its creation time
    (``emobatch.emulator.jobs``: PENDING, RUNNING, then its fate after its latency), and the
    local backend's emulator runs inside each rule process on real time; moving every
    unfinished job's ``createNs`` back by ``seconds`` is what waiting that long would do to
    them. Only while no server uses the directory (between two Snakemake runs). Returns how
    many jobs were moved.
    """
    from emobatch.emulator.store import Store

    store = Store(state)
    moved = 0
    for record in store.list_batches():
        if record.get("result"):
            continue  # finished: its stored result is authoritative
        with store.lock(f"batch-{record['id']}"):
            record["createNs"] -= int(seconds * 1e9)
            store.put_batch(record)
        moved += 1
    return moved


class Emulator:
    def __init__(
        self, state: Path, faults: Path | None = None, extra: list[str] | None = None
    ) -> None:
        cmd = [
            sys.executable,
            "-m",
            "emobatch.cli.main",
            "emulator",
            "serve",
            "--port",
            "0",
            "--state-dir",
            str(state),
            "--quiet",
        ]
        if faults:
            cmd += ["--faults", str(faults), "--seed", "7"]
        cmd += extra or []
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.proc.stderr.read()
        self.state = state

    def jobs(self) -> list:
        from google import genai
        from google.genai import types

        client = genai.Client(
            api_key="inspector",
            http_options=types.HttpOptions(base_url=self.url, api_version="v1beta"),
        )
        out = []
        for attempt in range(20):  # the listing itself may meet injected faults
            try:
                out = list(client.batches.list(config={"page_size": 3}))
                break
            except Exception:
                if attempt == 19:
                    raise
        return out

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path / "provider")
    yield emu
    emu.stop()
