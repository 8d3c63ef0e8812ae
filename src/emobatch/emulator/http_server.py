"""HTTP plumbing: routing, body handling, streaming downloads, connection faults.

Routes (any ``/v1*/`` version segment)::

    POST   /upload/{ver}/files                          upload_start  (no upload_id)
    POST   /upload/{ver}/files?upload_id=..             upload_chunk  (no API key needed)
    GET    /{ver}/files                                 files_list
    GET    /{ver}/files/{id}                            files_get
    DELETE /{ver}/files/{id}                            files_delete
    GET    [/download]/{ver}/files/{id}:download        files_download (raw bytes)
    POST   /{ver}/models/{model}:batchGenerateContent   batches_create
    GET    /{ver}/models                                models_list
    GET    /{ver}/models/{model}                        models_get
    POST   /{ver}/models/{model}:countTokens            models_count_tokens
    POST   /{ver}/models/{model}:generateContent        models_generate_content
    GET    /{ver}/batches                               batches_list
    GET    /{ver}/batches/{id}                          batches_get
    POST   /{ver}/batches/{id}:cancel                   batches_cancel
    DELETE /{ver}/batches/{id}                          batches_delete
    GET    /_emulator/stats                             stats (read-only, no key)

Request lines are logged to the ``emobatch.emulator.http`` logger without query strings,
so neither API keys (``?key=``) nor upload session ids reach a log. Waits before an answer
(latency, ``delay`` faults) go through the server's clock (:mod:`.clock`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .api import ApiRequest, ApiResponse, EmulatorApp
from .api_errors import ApiError

log = logging.getLogger("emobatch.emulator.http")

_VER = r"(?P<version>v1[a-z0-9]*)"
_ID = r"(?P<{}>[^/:]+)"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(rf"^/upload/{_VER}/files$"), "upload"),
    ("GET", re.compile(rf"^/{_VER}/files$"), "files_list"),
    (
        "GET",
        re.compile(rf"^(?:/download)?/{_VER}/files/{_ID.format('file_id')}:download$"),
        "files_download",
    ),
    ("GET", re.compile(rf"^/{_VER}/files/{_ID.format('file_id')}$"), "files_get"),
    ("DELETE", re.compile(rf"^/{_VER}/files/{_ID.format('file_id')}$"), "files_delete"),
    (
        "POST",
        re.compile(rf"^/{_VER}/models/{_ID.format('model')}:batchGenerateContent$"),
        "batches_create",
    ),
    ("GET", re.compile(rf"^/{_VER}/models$"), "models_list"),
    ("GET", re.compile(rf"^/{_VER}/models/{_ID.format('model')}$"), "models_get"),
    (
        "POST",
        re.compile(rf"^/{_VER}/models/{_ID.format('model')}:countTokens$"),
        "models_count_tokens",
    ),
    (
        "POST",
        re.compile(rf"^/{_VER}/models/{_ID.format('model')}:generateContent$"),
        "models_generate_content",
    ),
    ("GET", re.compile(rf"^/{_VER}/batches$"), "batches_list"),
    ("GET", re.compile(rf"^/{_VER}/batches/{_ID.format('batch_id')}$"), "batches_get"),
    ("POST", re.compile(rf"^/{_VER}/batches/{_ID.format('batch_id')}:cancel$"), "batches_cancel"),
    ("DELETE", re.compile(rf"^/{_VER}/batches/{_ID.format('batch_id')}$"), "batches_delete"),
    ("GET", re.compile(r"^/_emulator/stats$"), "stats"),
]
#: Bodies up to this size are read and discarded after an error to keep the connection.
MAX_DRAIN = 64 << 20


def route(method: str, path: str, query: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """``(operation, path params)`` for a request, or ``None``."""
    for verb, pattern, op in ROUTES:
        if verb != method:
            continue
        m = pattern.match(path)
        if m is None:
            continue
        params = {k: v for k, v in m.groupdict().items() if v is not None}
        if op == "upload":
            op = "upload_chunk" if "upload_id" in query else "upload_start"
        return op, params
    return None


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that can close its keep-alive connections on shutdown."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp, family: int) -> None:
        self.address_family = family
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Abort every open client connection (keep-alive sockets included)."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :class:`ApiRequest` and writes :class:`ApiResponse`."""

    protocol_version = "HTTP/1.1"
    server_version = "emobatch-emulator/1"
    sys_version = ""
    server: EmulatorHTTPServer
    _body: bytes | None = None
    _remaining: int = 0
    _streamed: bool = False
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's (undeclared in typeshed)

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- body access -------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self._body is None:
            self._body = self.rfile.read(self._remaining) if self._remaining else b""
            self._remaining = 0
        return self._body

    def _body_stream(self) -> tuple[Any, int]:
        length, self._remaining = self._remaining, 0
        self._streamed = True
        return self.rfile, length

    def _drain(self) -> None:
        if self._remaining > MAX_DRAIN:
            self.close_connection = True
            return
        while self._remaining > 0:
            block = self.rfile.read(min(self._remaining, 1 << 20))
            if not block:
                self.close_connection = True
                break
            self._remaining -= len(block)

    # -- dispatch ----------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        self._body = None
        self._streamed = False
        try:
            self._remaining = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._remaining = 0
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._reject(411, "Chunked request bodies are not supported; send Content-Length.")
            return
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        found = route(method, path, query)
        if found is None:
            self._drain()
            self._send(ApiResponse.of_error(ApiError(404, f"Method not found: {method} {path}")))
            self._log(method, path, "-", 404, started)
            return
        operation, params = found
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = ApiRequest(
            operation=operation,
            params=params,
            method=method,
            query=query,
            headers=self.headers,
            host=host,
            version=params.get("version", "v1beta"),
            read_body=self._read_body,
            body_stream=self._body_stream,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:  # a bug: answer 500 rather than hang the client
            log.exception("unhandled error in %s", operation)
            response = ApiResponse.of_error(ApiError(500))
        if response.delay_s > 0:
            self.server.app.clock.sleep(response.delay_s)
        if self._streamed and response.status != 200:
            self.close_connection = True
        self._drain()
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self._log(method, path, operation, "dropped", started)
            return
        self._send(response)
        self._log(method, path, operation, response.status, started)

    def _reject(self, status: int, message: str) -> None:
        self.close_connection = True
        self._send(ApiResponse.of_error(ApiError(status, message)))

    def _send(self, response: ApiResponse) -> None:
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        if response.file_path is not None:
            with open(response.file_path, "rb") as fh:
                size = fh.seek(0, 2)
                fh.seek(0)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if size:
                    self.connection.sendfile(fh)
            return
        self.send_header("Content-Length", str(len(response.body)))
        # headers and body in one write: two small segments would meet delayed ACKs
        self._headers_buffer.append(b"\r\n" + response.body)
        self.flush_headers()

    def _log(self, method: str, path: str, op: str, status: Any, started: float) -> None:
        log.info(
            "%s %s [%s] -> %s (%.1f ms)",
            method,
            path,
            op,
            status,
            (time.perf_counter() - started) * 1000,
        )

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)
