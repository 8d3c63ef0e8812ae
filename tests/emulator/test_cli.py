"""``emobatch emulator`` commands: one-line errors, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from emobatch.cli.emulator import emulator
from emobatch.emulator import serve_in_background

from .helpers import make_client, submit, wait_done, write_requests


def test_non_loopback_host_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        emulator, ["serve", "--host", "0.0.0.0", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the emulator only binds loopback addresses, not 0.0.0.0"


def test_bad_fault_plan_is_one_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("faults:\n  - kind: http_error\n    operation: nope\n")
    result = CliRunner().invoke(
        emulator, ["serve", "--state-dir", str(tmp_path / "s"), "--faults", str(plan)]
    )
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "operation 'nope'" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(
        emulator,
        ["serve", "--state-dir", str(tmp_path / "s"), "--faults", str(tmp_path / "missing.yaml")],
    )
    assert result.exit_code == 1 and "cannot read fault plan" in result.output


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with serve_in_background(tmp_path / "a") as server:
        result = CliRunner().invoke(
            emulator, ["serve", "--port", str(server.port), "--state-dir", str(tmp_path / "b")]
        )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot serve on 127.0.0.1:{server.port}")


def test_stats_command(tmp_path: Path) -> None:
    with serve_in_background(tmp_path / "state") as server:
        client = make_client(server)
        wait_done(client, submit(client, write_requests(tmp_path / "in.jsonl"), "shown").name)
        with __import__("urllib.request").request.urlopen(
            f"{server.base_url}/_emulator/stats"
        ) as resp:
            over_http = json.loads(resp.read())
    result = CliRunner().invoke(
        emulator, ["stats", "--state-dir", str(tmp_path / "state"), "--json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data == over_http
    assert data["creates_by_display_name"] == {"shown": 1}
    assert data["jobs_by_state"] == {"BATCH_STATE_SUCCEEDED": 1}
    human = CliRunner().invoke(emulator, ["stats", "--state-dir", str(tmp_path / "state")])
    assert "BATCH_STATE_SUCCEEDED" in human.output


def test_bad_route_and_noise_options_are_one_line(tmp_path: Path) -> None:
    state = ["serve", "--state-dir", str(tmp_path / "s")]
    result = CliRunner().invoke(emulator, [*state, "--route", "gemini-2.5-flash"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: --route 'gemini-2.5-flash': expected OLD=NEW"
    result = CliRunner().invoke(emulator, [*state, "--route", "a=gemini-9-ultra"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: route a=gemini-9-ultra: gemini-9-ultra is not a model the emulator serves"
    )
    result = CliRunner().invoke(emulator, [*state, "--noise-rate", "1.5"])
    assert result.exit_code == 2 and "--noise-rate" in result.output


def test_serve_routes_and_noise_in_a_process(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from google.genai import errors

    cmd = [
        sys.executable, "-m", "emobatch.cli.main", "emulator", "serve", "--port", "0",
        "--state-dir", str(tmp_path / "s"), "--no-catalogue-routing",
        "--route", "old-model=gemini-3.8-flash", "--noise-rate", "1", "--noise-seed", "3",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = make_client(url)
        answer = client.models.generate_content(
            model="old-model",
            contents="I am so happy today, best day ever!",
            config={"response_mime_type": "application/json"},
        )
        assert answer.model_version == "gemini-3.8-flash"
        assert json.loads(answer.text or "")["primary_emotion"] != "joy"  # noise rate 1
        with pytest.raises(errors.ClientError) as err:  # catalogue routing is off
            client.models.get(model="gemini-2.5-flash")
        assert err.value.code == 404
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "routes: old-model -> gemini-3.8-flash" in stderr
