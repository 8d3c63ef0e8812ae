"""The two emulators of the vertex tests, and a fake OAuth token endpoint for real ADC.

- :func:`start_gcs`: gcp-storage-emulator (PyPI) in this process, in memory, on a free
  loopback port; ``STORAGE_EMULATOR_HOST`` must be this URL, with its scheme.
- :class:`VertexProcess`: ``emobatch emulator serve --vertex --gcs URL`` as a process, for
  the Snakemake runs (the in-process server is ``emobatch.emulator.serve_vertex_in_background``).
- :class:`TokenServer` + :func:`service_account_file`: a service-account key file whose
  ``token_uri`` is a loopback server that hands out a known access token, so google-auth's
  real Application Default Credentials path (``GOOGLE_APPLICATION_CREDENTIALS``, JWT grant,
  token refresh) runs offline, and tests can scan for the token and the private key.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

PROJECT = "emobatch-test"
LOCATION = "asia-northeast3"
BUCKET = "emobatch-test-bucket"
#: Keep google-auth away from the GCE metadata server, whatever ADC does.
NO_METADATA = {
    "GCE_METADATA_HOST": "127.0.0.1:9",
    "GCE_METADATA_IP": "127.0.0.1:9",
    "NO_GCE_CHECK": "true",
}
#: Variables a vertex test must not inherit from the developer's shell.
CLEARED = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "EMOBATCH_VERTEX_BASE_URL",
    "EMOBATCH_VERTEX_CREDENTIALS",
    "STORAGE_EMULATOR_HOST",
)


def start_gcs(bucket: str | None = BUCKET) -> tuple[Any, str]:
    """``(server, url)`` of a fresh in-memory gcp-storage-emulator (call ``server.stop()``)."""
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=bucket)
    server.start()
    port = server._api._httpd.server_address[1]
    return server, f"http://127.0.0.1:{port}"


def gcs_client(url: str) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(
        project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": url}
    )


class VertexProcess:
    """``emobatch emulator serve --vertex`` in its own process (stopped with SIGTERM)."""

    def __init__(self, state: Path, gcs_url: str, *extra: str, env: dict[str, str] | None = None):
        cmd = [
            sys.executable,
            "-m",
            "emobatch.cli.main",
            "emulator",
            "serve",
            "--vertex",
            "--gcs",
            gcs_url,
            "--port",
            "0",
            "--state-dir",
            str(state),
            "--quiet",
            *extra,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.proc.stderr
        self.state = state

    def stats(self) -> dict[str, Any]:
        return json.loads((self.state / "counters.json").read_text("utf-8"))

    def jobs(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted(self.state.glob("jobs/*.json"))]

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)


class _TokenHandler(BaseHTTPRequestHandler):
    server: TokenServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.grants += 1
        body = json.dumps(
            {"access_token": self.server.token, "expires_in": 3600, "token_type": "Bearer"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class TokenServer(HTTPServer):
    """An OAuth token endpoint on loopback that grants ``token`` to any JWT assertion."""

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _TokenHandler)
        self.token = token
        self.grants = 0
        self.url = f"http://127.0.0.1:{self.server_address[1]}/token"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def service_account_file(path: Path, token_uri: str) -> tuple[Path, str]:
    """A service-account key file (fresh RSA key) whose tokens come from ``token_uri``;
    returns the path and the private key's PEM (to scan for)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": f"emobatch@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return path, pem
