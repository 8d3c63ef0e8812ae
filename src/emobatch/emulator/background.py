"""Start the emulator on a loopback port, in a background thread of this process."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from .api import EmulatorApp, EmulatorConfig
from .faults import FaultPlan
from .http_server import EmulatorHTTPServer
from .responder import Responder

log = logging.getLogger("emobatch.emulator")

FaultsArg = FaultPlan | dict[str, Any] | list[Any] | str | os.PathLike[str] | None


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

        return read_stats(self.state_dir)

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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
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
    *,
    api_key: str | None = None,
    extra_models: tuple[str, ...] | list[str] = (),
    responder: Responder | None = None,
) -> EmulatorServer:
    """Bind the server (not serving yet). Raises ``ValueError``/``OSError`` on bad options."""
    family = check_loopback(host)
    if latency_seconds < 0:
        raise ValueError("latency_seconds must be >= 0")
    config = EmulatorConfig(
        state_dir=Path(state_dir),
        latency_seconds=float(latency_seconds),
        faults=FaultPlan.coerce(faults),
        seed=int(seed),
        api_key=api_key,
        extra_models=tuple(extra_models),
    )
    app = EmulatorApp(config, responder=responder)
    httpd = EmulatorHTTPServer((host, port), app, family)
    return EmulatorServer(httpd, app)


def serve_in_background(
    state_dir: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    latency_seconds: float = 0.0,
    faults: FaultsArg = None,
    seed: int = 0,
    *,
    api_key: str | None = None,
    extra_models: tuple[str, ...] | list[str] = (),
    responder: Responder | None = None,
) -> EmulatorServer:
    """Serve the emulator from a daemon thread; ``port=0`` picks a free port.

    ``faults`` is ``None``, a :class:`FaultPlan`, a plan mapping/list, or a path to a YAML
    or JSON plan file. ``api_key`` (if set) is the only key accepted; otherwise any
    non-empty key is. ``extra_models`` adds model names to the built-in list.
    """
    server = create_server(
        state_dir,
        host,
        port,
        latency_seconds,
        faults,
        seed,
        api_key=api_key,
        extra_models=extra_models,
        responder=responder,
    )
    log.debug("emulator serving %s on %s", server.state_dir, server.base_url)
    return server.start()
