"""``emobatch emulator``: run and inspect the local Gemini Batch API emulator."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from emobatch.errors import EmobatchError


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


@click.group(name="emulator")
def emulator() -> None:
    """Run the local Gemini Batch API emulator (files + batches over loopback HTTP)."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 = any free).")
@click.option(
    "--state-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding files, jobs and counters (shared by concurrent servers).",
)
@click.option(
    "--latency",
    default=0.0,
    show_default=True,
    type=float,
    help="Seconds from creation to a terminal state (PENDING the first third, then RUNNING).",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fault plan file (YAML or JSON; see docs/emulator.md).",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="SPEC",
    help="Add one fault rule: 'kind:key=value,...' or a YAML mapping (repeatable).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for ids and faults.")
@click.option(
    "--api-key-env",
    metavar="VAR",
    help="Accept only the API key held in environment variable VAR (default: any key).",
)
@click.option("--extra-model", multiple=True, metavar="NAME", help="Serve another model name.")
@click.option(
    "--route",
    "route_specs",
    multiple=True,
    metavar="OLD=NEW",
    help="Answer requests for model OLD with model NEW (repeatable; extends the catalogue's).",
)
@click.option(
    "--no-catalogue-routing",
    is_flag=True,
    help="Ignore the catalogue's routing of shut-down models (they answer 404).",
)
@click.option(
    "--catalogue",
    "catalogue_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Model catalogue file (default: the bundled emobatch/data/models.yaml).",
)
@click.option(
    "--noise-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Fraction of answers whose primary emotion and sentiment are replaced (seeded).",
)
@click.option("--noise-seed", default=0, show_default=True, type=int, help="Seed of the noise.")
@click.option(
    "--interactive-latency",
    default=0.0,
    show_default=True,
    type=float,
    help="Seconds before answering a standard-tier generateContent.",
)
@click.option(
    "--flex-latency",
    default=0.0,
    show_default=True,
    type=float,
    help="Seconds before answering a flex-tier generateContent.",
)
@click.option(
    "--vertex",
    is_flag=True,
    help="Serve the Vertex AI batch surface (batchPredictionJobs) instead, over --gcs.",
)
@click.option(
    "--gcs",
    "gcs_endpoint",
    metavar="URL",
    help="With --vertex: the Cloud Storage emulator holding input and output "
    "(http://127.0.0.1:9023, with the scheme; e.g. gcp-storage-emulator).",
)
@click.option(
    "--token-env",
    metavar="VAR",
    help="With --vertex: accept only the bearer token held in environment variable VAR.",
)
@click.option("--quiet", is_flag=True, help="Do not log requests to stderr.")
def serve(
    host: str,
    port: int,
    state_dir: Path,
    latency: float,
    faults_file: Path | None,
    fault_specs: tuple[str, ...],
    seed: int,
    api_key_env: str | None,
    extra_model: tuple[str, ...],
    route_specs: tuple[str, ...],
    no_catalogue_routing: bool,
    catalogue_file: Path | None,
    noise_rate: float,
    noise_seed: int,
    interactive_latency: float,
    flex_latency: float,
    vertex: bool,
    gcs_endpoint: str | None,
    token_env: str | None,
    quiet: bool,
) -> None:
    """Serve until SIGINT/SIGTERM. The first stdout line is the base URL."""
    from emobatch.emulator import FaultPlan, parse_fault_spec
    from emobatch.emulator.background import create_server

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            raise click.ClickException(f"--api-key-env {api_key_env}: the variable is not set")
    routes = {}
    for spec in route_specs:
        old, eq, new = spec.partition("=")
        if not eq or not old.strip() or not new.strip():
            raise click.ClickException(f"--route {spec!r}: expected OLD=NEW")
        routes[old.strip()] = new.strip()
    if vertex and not gcs_endpoint:
        raise click.ClickException("--vertex needs --gcs URL (a Cloud Storage emulator)")
    token = os.environ.get(token_env) if token_env else None
    if token_env and not token:
        raise click.ClickException(f"--token-env {token_env}: the variable is not set")
    try:
        plan = FaultPlan.load(faults_file) if faults_file else FaultPlan()
        if fault_specs:
            extra = [parse_fault_spec(s) for s in fault_specs]
            plan = plan + FaultPlan.from_dict(extra, source="--fault")
        if vertex:
            _serve_vertex(
                state_dir,
                str(gcs_endpoint),
                host=host,
                port=port,
                latency_seconds=latency,
                faults=plan,
                seed=seed,
                token=token,
                catalogue=catalogue_file,
                extra_models=extra_model,
            )
            return
        server = create_server(
            state_dir,
            host,
            port,
            latency,
            plan,
            seed,
            api_key=api_key,
            extra_models=extra_model,
            routes=routes,
            catalogue_routing=not no_catalogue_routing,
            catalogue=catalogue_file,
            noise_rate=noise_rate,
            noise_seed=noise_seed,
            interactive_latency_seconds=interactive_latency,
            flex_latency_seconds=flex_latency,
        )
    except EmobatchError as exc:
        raise click.ClickException(_one_line(exc)) from None
    except ValueError as exc:
        raise click.ClickException(_one_line(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {host}:{port} with state dir {state_dir}: {exc.strerror or exc}"
        ) from None

    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server.start()
    click.echo(server.base_url)
    sys.stdout.flush()
    logging.getLogger("emobatch.emulator").info(
        "serving state dir %s on %s (latency %.3gs, %d fault rules, seed %d)",
        server.state_dir,
        server.base_url,
        latency,
        len(plan.rules),
        seed,
    )
    from emobatch.emulator.clock import today

    in_force = server.app.registry.routes(today(server.app.clock))
    if in_force:
        logging.getLogger("emobatch.emulator").info(
            "routes: %s", ", ".join(f"{k} -> {v}" for k, v in sorted(in_force.items()))
        )
    while not stop.wait(0.5):
        pass
    server.close()
    logging.getLogger("emobatch.emulator").info("stopped")


def _serve_vertex(state_dir: Path, gcs_endpoint: str, **options: Any) -> None:
    """``serve --vertex``: the Vertex batch surface until SIGINT/SIGTERM (URL on stdout)."""
    from emobatch.emulator import create_vertex_server

    server = create_vertex_server(state_dir, gcs_endpoint=gcs_endpoint, **options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    click.echo(server.base_url)
    sys.stdout.flush()
    logging.getLogger("emobatch.emulator").info(
        "serving Vertex state dir %s on %s over GCS %s",
        server.state_dir,
        server.base_url,
        gcs_endpoint,
    )
    while not stop.wait(0.5):
        pass
    server.close()


@emulator.command()
@click.option(
    "--state-dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The emulator's state directory.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(state_dir: Path, as_json: bool) -> None:
    """Show what happened in a state directory (read-only; all server processes)."""
    from emobatch.emulator import read_stats

    data = read_stats(state_dir)
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"state dir       {data['state_dir']}")
    click.echo(f"uploads         {data['uploads']} (sessions started: {data['upload_starts']})")
    click.echo(f"jobs created    {data['creates_total']} (existing now: {data['jobs_total']})")
    for state, n in sorted(data["jobs_by_state"].items()):
        click.echo(f"  {state:<24}{n}")
    if data["faults_fired"]:
        click.echo("faults fired")
        for kind, n in sorted(data["faults_fired"].items()):
            click.echo(f"  {kind:<24}{n}")
