"""Run the real Snakemake workflow in a temporary project folder.

Each test gets a folder with a copy of ``config/`` and its own posts file; Snakemake runs as a
subprocess (the same code path as a user's ``snakemake`` call) with ``--directory`` pointing
there, so results, logs, ledger, history and the emulator state stay inside ``tmp_path``.
"""

from __future__ import annotations

import csv
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
    def __init__(self, root: Path) -> None:
        self.root = root
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
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
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
