"""A real nextauth for the readers' tests: the binary (``NEXTAUTH_BIN``), a credentials provider
whose ``authorize_url`` webhook (served here) accepts ``alice`` / ``password``, and a session
minted by signing in the way next-auth/react does (``GET csrf``, ``POST callback/credentials``).

Tokens nextauth cannot be asked to make (expired ones, chunked ones) are minted by next-auth's
own ``encode()`` from ``testkit/node`` (``npm ci`` there; ``scripts/test.sh`` does it).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(HERE.parent))

SECRET = "python-readers-test-secret-0123456789abcdef"
COOKIE = "next-auth.session-token"


class _Authorize(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            creds = json.loads(body)
        except ValueError:
            creds = {}
        ok = creds.get("username") == "alice" and creds.get("password") == "password"
        reply = json.dumps({"id": "credentials-alice", "name": "Alice", "email": "alice@example.com"} if ok else None)
        self.send_response(200 if ok else 401)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(reply.encode())

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base: str, proc: subprocess.Popen, log: Path):
        self.base = base  # http://127.0.0.1:PORT/api/auth
        self.proc = proc
        self.log = log


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("NEXTAUTH_BIN") or str(ROOT / "target" / "debug" / "nextauth")
    if not Path(binary).exists():
        pytest.fail(f"no nextauth binary at {binary}: `cargo build -p nextauth-server` or set NEXTAUTH_BIN")
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Authorize)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/auth"
    work = Path(tempfile.mkdtemp(prefix="nextauth-py-readers-"))
    config = work / "nextauth.toml"
    config.write_text(
        f'''url = "{base}"
secret = "{SECRET}"
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "http://127.0.0.1:{hook.server_address[1]}/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
'''
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEXTAUTH_", "DATABASE_URL"))}
    log = work / "nextauth.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [binary, "--config", str(config), "--listen", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/providers", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"nextauth did not start:\n{log.read_text()}")
        time.sleep(0.1)
    yield Server(base, proc, log)
    proc.terminate()
    proc.wait(10)
    hook.shutdown()


@pytest.fixture(scope="session")
def signed_in(server) -> dict[str, str]:
    """The browser's cookies after a credentials sign-in (the session cookie among them)."""
    with httpx.Client() as c:
        csrf = c.get(f"{server.base}/csrf").json()["csrfToken"]
        res = c.post(
            f"{server.base}/callback/credentials",
            data={"username": "alice", "password": "password", "csrfToken": csrf, "json": "true"},
        )
        assert res.status_code == 200, res.text
        cookies = dict(c.cookies)
    assert COOKIE in cookies, cookies
    return cookies


@functools.lru_cache(maxsize=None)
def _mint(claims_json: str, max_age: int) -> str:
    return mint(json.loads(claims_json), max_age, cached=False)


def mint(claims: dict, max_age: int, cached: bool = True) -> str:
    """A session JWE made by next-auth's own ``encode()`` (``exp`` = now + ``max_age``, so a
    negative ``max_age`` makes an expired token). One node run per distinct token: the readers'
    tests share them."""
    if cached:
        return _mint(json.dumps(claims, sort_keys=True), max_age)
    script = (
        "const { encode } = require('next-auth/jwt');"
        "const [claims, secret, maxAge] = JSON.parse(process.argv[1]);"
        "encode({ token: claims, secret, maxAge }).then((t) => process.stdout.write(t));"
    )
    node_dir = ROOT / "testkit" / "node"
    if not (node_dir / "node_modules" / "next-auth").is_dir():
        pytest.fail("testkit/node/node_modules is missing: run scripts/test.sh (or npm ci there)")
    out = subprocess.run(
        ["node", "-e", script, json.dumps([claims, SECRET, max_age])],
        cwd=node_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def tampered(cookies: dict[str, str]) -> dict[str, str]:
    """The session cookie with its last 4 characters (the GCM tag's end) changed."""
    v = cookies[COOKIE]
    return {**cookies, COOKIE: v[:-4] + ("AAAA" if not v.endswith("AAAA") else "BBBB")}


def chunked(token: str, size: int = 3936) -> dict[str, str]:
    """A token split as v4's SessionStore does it over 4 KB: ``name.0``, ``name.1``, …"""
    return {f"{COOKIE}.{i}": token[j : j + size] for i, j in enumerate(range(0, len(token), size))}
