"""Start the emulator on a loopback port, in a background thread of this process.

:func:`serve_in_background` keeps the positional signature the pipeline calls
(``state_dir, host, port, latency_seconds, faults, seed``); everything newer is a keyword
option (:class:`ServerOptions`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any, TypedDict, Unpack

from .api import EmulatorApp, EmulatorConfig
from .clock import Clock, SystemClock
from .faults import FaultPlan
from .http_server import EmulatorHTTPServer
from .noise import Noise
from .responder import Responder

log = logging.getLogger("emobatch.emulator")

FaultsArg = FaultPlan | dict[str, Any] | list[Any] | str | os.PathLike[str] | None


class ServerOptions(TypedDict, total=False):
    """Keyword options of :func:`create_server` / :func:`serve_in_background`."""

    #: Accept only this key (default: any non-empty key).
    api_key: str | None
    #: More model names, served as plain (non-thinking, unvalidated) models.
    extra_models: tuple[str, ...] | list[str]
    #: The answer producer (e.g. ``Responder(stub_annotate_many, "stub")``).
    responder: Responder | None
    #: Explicit routes, requested -> answering model; extend/override the catalogue's.
    routes: dict[str, str] | None
    #: False: ignore the catalogue's ``after_shutdown: routed`` (shut-down models 404).
    catalogue_routing: bool
    #: Another catalogue file (default: the bundled ``emobatch/data/models.yaml``).
    catalogue: str | os.PathLike[str] | None
    #: Seeded label noise (see :mod:`.noise`); 0 = deterministic answers.
    noise_rate: float
    noise_seed: int
    #: Seconds waited before answering a standard / flex ``generateContent``.
    interactive_latency_seconds: float
    flex_latency_seconds: float
    #: The server's time (default real time); tests pass a :class:`.clock.ManualClock`.
    clock: Clock | None


def check_loopback(host: str) -> int:
    """The address family for ``host``; raise ``ValueError`` unless it is loopback."""
    if host == "localhost":
        return socket.AF_INET
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host {host!r} is not an IP address; use 127.0.0.1 or ::1") from None
    if not address.is_loopback:
        raise ValueError(f"the emulator only binds loopback addresses, not {host}")
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


class EmulatorServer:
    """A running emulator. Use as a context manager, or call :meth:`close`."""

    def __init__(self, httpd: EmulatorHTTPServer, app: EmulatorApp) -> None:
        self._httpd = httpd
        self.app = app
        host, port = httpd.server_address[:2]
        self.host: str = str(host)
        self.port: int = int(port)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{shown}:{self.port}"
        self.state_dir: Path = app.store.root
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="emobatch-emulator",
            daemon=True,
        )
        self._closed = False

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stats(self) -> dict[str, Any]:
        """Same as :func:`emobatch.emulator.read_stats` on this server's state directory."""
        from .stats import read_stats

        return read_stats(self.state_dir, clock=self.app.clock)

    def close(self) -> None:
        """Stop serving and abort open connections (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmulatorServer({self.base_url!r}, state_dir={str(self.state_dir)!r})"


def create_server(
    state_dir: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    latency_seconds: float = 0.0,
    faults: FaultsArg = None,
    seed: int = 0,
    **options: Unpack[ServerOptions],
) -> EmulatorServer:
    """Bind the server (not serving yet). Raises ``ValueError``/``OSError`` on bad options."""
    family = check_loopback(host)
    latencies = {
        "latency_seconds": latency_seconds,
        "interactive_latency_seconds": options.get("interactive_latency_seconds", 0.0),
        "flex_latency_seconds": options.get("flex_latency_seconds", 0.0),
    }
    for name, value in latencies.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0")
    catalogue = options.get("catalogue")
    config = EmulatorConfig(
        state_dir=Path(state_dir),
        latency_seconds=float(latency_seconds),
        faults=FaultPlan.coerce(faults),
        seed=int(seed),
        api_key=options.get("api_key"),
        extra_models=tuple(options.get("extra_models", ())),
        routes=dict(options.get("routes") or {}),
        catalogue_routing=bool(options.get("catalogue_routing", True)),
        catalogue=Path(catalogue) if catalogue else None,
        noise=Noise(float(options.get("noise_rate", 0.0)), int(options.get("noise_seed", 0))),
        interactive_latency_seconds=float(latencies["interactive_latency_seconds"]),
        flex_latency_seconds=float(latencies["flex_latency_seconds"]),
        clock=options.get("clock") or SystemClock(),
    )
    app = EmulatorApp(config, responder=options.get("responder"))
    httpd = EmulatorHTTPServer((host, port), app, family)
    return EmulatorServer(httpd, app)


def serve_in_background(
    state_dir: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    latency_seconds: float = 0.0,
    faults: FaultsArg = None,
    seed: int = 0,
    **options: Unpack[ServerOptions],
) -> EmulatorServer:
    """Serve the emulator from a daemon thread; ``port=0`` picks a free port.

    ``faults`` is ``None``, a :class:`FaultPlan`, a plan mapping/list, or a path to a YAML
    or JSON plan file. Keyword options: :class:`ServerOptions` (API key, extra models,
    responder, routes, catalogue, label noise, generateContent latencies, clock).
    """
    server = create_server(state_dir, host, port, latency_seconds, faults, seed, **options)
    log.debug("emulator serving %s on %s", server.state_dir, server.base_url)
    return server.start()
