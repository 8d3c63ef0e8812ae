"""Serve the Vertex emulator on loopback: routing and the HTTP plumbing.

Routes (any ``/v1*/`` version segment; ``{loc}`` = ``projects/{p}/locations/{l}``)::

    POST   /{ver}/{loc}/batchPredictionJobs                     batches_create
    GET    /{ver}/{loc}/batchPredictionJobs                     batches_list
    GET    /{ver}/{loc}/batchPredictionJobs/{id}                batches_get
    POST   /{ver}/{loc}/batchPredictionJobs/{id}:cancel         batches_cancel
    DELETE /{ver}/{loc}/batchPredictionJobs/{id}                batches_delete
    GET    /{ver}/[{loc}/]publishers/{pub}/models/{model}       models_get
    POST   /{ver}/{loc}/publishers/{pub}/models/{model}:countTokens   models_count_tokens
    POST   /{ver}/{loc}/publishers/{pub}/models/{model}:generateContent   models_generate_content

Request lines are logged without query strings or headers, so no token reaches a log.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..api_errors import ApiError
from ..exchange import ApiRequest, ApiResponse
from .app import VertexApp

log = logging.getLogger("emobatch.emulator.vertex.http")

_LOC = r"^/(?P<version>v1[a-z0-9]*)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_JOBS = _LOC + r"/batchPredictionJobs"
_PUBLISHER = r"/publishers/(?P<publisher>[^/]+)/models/(?P<model>[^/:]+)"
_MODEL = _LOC + _PUBLISHER
#: ``models.get`` in Vertex mode asks for the publisher model without project or location
_BARE_MODEL = r"^/(?P<version>v1[a-z0-9]*)" + _PUBLISHER
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(_JOBS + "$"), "batches_create"),
    ("GET", re.compile(_JOBS + "$"), "batches_list"),
    ("GET", re.compile(_JOBS + r"/(?P<job_id>[^/:]+)$"), "batches_get"),
    ("POST", re.compile(_JOBS + r"/(?P<job_id>[^/:]+):cancel$"), "batches_cancel"),
    ("DELETE", re.compile(_JOBS + r"/(?P<job_id>[^/:]+)$"), "batches_delete"),
    ("GET", re.compile(_MODEL + "$"), "models_get"),
    ("GET", re.compile(_BARE_MODEL + "$"), "models_get"),
    ("POST", re.compile(_MODEL + ":countTokens$"), "models_count_tokens"),
    ("POST", re.compile(_MODEL + ":generateContent$"), "models_generate_content"),
]


def route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """``(operation, path params)`` for a request, or ``None``."""
    for verb, pattern, operation in ROUTES:
        match = pattern.match(path) if verb == method else None
        if match is not None:
            return operation, match.groupdict()
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "emobatch-vertex-emulator/1"
    sys_version = ""
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        path = unquote(split.path)
        found = route(method, path)
        if found is None:
            response = ApiResponse.of_error(ApiError(404, f"Method not found: {method} {path}"))
        else:
            operation, params = found
            request = ApiRequest(
                operation=operation,
                params=params,
                method=method,
                query={k: v[-1] for k, v in parse_qs(split.query).items()},
                headers=self.headers,
                host=self.headers.get("Host") or "",
                version=params["version"],
                read_body=lambda: body,
            )
            try:
                response = self.server.app.handle(request)
            except Exception:  # a bug: answer 500 rather than hang the client
                log.exception("unhandled error in %s", operation)
                response = ApiResponse.of_error(ApiError(500))
        if response.delay_s > 0:
            self.server.app.clock.sleep(response.delay_s)
        log.info("%s %s -> %s", method, path, "dropped" if response.drop else response.status)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response_only(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: VertexApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Abort every open client connection (keep-alive ones included)."""
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class VertexEmulatorServer:
    """A running Vertex emulator. Use as a context manager, or call :meth:`close`."""

    def __init__(self, app: VertexApp, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError(f"the Vertex emulator only binds 127.0.0.1, not {host}")
        self.app = app
        self._httpd = _HTTPServer((host, port), app)
        self.host, self.port = "127.0.0.1", int(self._httpd.server_address[1])
        self.base_url = f"http://{self.host}:{self.port}"
        self.state_dir = app.store.root
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="emobatch-vertex-emulator",
            daemon=True,
        )
        self._closed = False

    def start(self) -> VertexEmulatorServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> VertexEmulatorServer:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VertexEmulatorServer({self.base_url!r}, state_dir={str(self.state_dir)!r})"
