"""Reading a NextAuth (v4) session from a Python backend that shares the app's domain.

Two paths, one result: the JSON that ``GET /api/auth/session`` answers (``None`` when signed out).

* **HTTP** (:func:`read_session_http`): asks ``nextauth`` (``GET {NEXTAUTH_INTERNAL_URL}/session``)
  with the request's ``Cookie`` header. Works for JWT and database sessions, sees revocation
  (sign-out everywhere, ``revoke_on_signout``, back-channel logout), ``[session.expose]`` and
  every callback of the server's configuration; returns the rotated cookie's ``Set-Cookie``
  headers so the caller can pass them on (the session's expiry slides as with ``GET session``).
* **Local** (:func:`read_session_local`): decrypts the JWT session cookie in-process, as
  next-auth's ``getToken()`` does: JWE ``dir`` + ``A256GCM`` (RFC 7516) with the key
  ``HKDF-SHA256(secret, salt="", info="NextAuth.js Generated Encryption Key", 32 bytes)`` (v4
  ``jwt/index.ts``), the cookie possibly split into ``.0``, ``.1``, … chunks (v4
  ``core/lib/cookie.ts``), ``exp`` checked with v4's 15 s clock tolerance. No network, but it
  only knows what the cookie holds: no database sessions, no revocation, and only the default
  session shape ``{user: {name, email, image}, expires}`` (plus ``error`` when the token has
  one). Use it only when the server's configuration adds nothing to the session JSON (no
  ``[session.expose]``) and a signed-out cookie being accepted until it expires is acceptable.

Both take plain values (a ``Cookie`` header or a ``{name: value}`` mapping), so the framework
adapters (``fastapi_session.py``, ``django_session.py``) stay thin.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwcrypto import jwe, jwk
from jwcrypto.common import JWException

#: The cookie's name over http; over https it carries the ``__Secure-`` prefix (v4 ``cookie.ts``).
SESSION_COOKIE = "next-auth.session-token"
#: v4's ``session.maxAge`` default: 30 days, in seconds.
DEFAULT_MAX_AGE = 30 * 24 * 60 * 60
#: v4 ``jwt/index.ts``: ``jwtDecrypt(..., { clockTolerance: 15 })``.
CLOCK_TOLERANCE = 15
_SESSION_SET_COOKIE = re.compile(r"^(__Secure-)?next-auth\.session-token(\.\d+)?=")
_INFO = b"NextAuth.js Generated Encryption Key"


def derive_encryption_key(secret: str, salt: str = "") -> bytes:
    """next-auth's ``getDerivedEncryptionKey``: HKDF-SHA256 (RFC 5869), 32 bytes for A256GCM."""
    info = _INFO if not salt else _INFO + b" (" + salt.encode() + b")"
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), info=info).derive(
        secret.encode()
    )


def session_token(cookies: Mapping[str, str], secure: bool = False) -> str | None:
    """The session cookie's value, its chunks (``name.0``, ``name.1``, …) joined in order."""
    name = ("__Secure-" if secure else "") + SESSION_COOKIE
    if name in cookies:
        return cookies[name]
    chunks = []
    for key, value in cookies.items():
        prefix, _, index = key.rpartition(".")
        # ASCII digits only: str.isdigit() is also true for "²", which int() refuses.
        if prefix == name and index.isascii() and index.isdecimal():
            chunks.append((int(index), value))
    if not chunks:
        return None
    return "".join(value for _, value in sorted(chunks))


def decode_token(token: str, secret: str, now: float | None = None) -> dict[str, Any] | None:
    """The JWT session's claims, or ``None`` when the token does not decrypt with ``secret``,
    is not a ``dir``/``A256GCM`` JWE, or has expired (``exp`` + 15 s is past)."""
    key = jwk.JWK(kty="oct", k=jwk.base64url_encode(derive_encryption_key(secret)))
    obj = jwe.JWE()
    # Only what next-auth writes: no key wrapping, no other content cipher.
    obj.allowed_algs = ["dir", "A256GCM"]
    try:
        obj.deserialize(token, key=key)
        if obj.jose_header.get("alg") != "dir" or obj.jose_header.get("enc") != "A256GCM":
            return None
        claims = json.loads(obj.payload)
    except (JWException, ValueError, TypeError, KeyError):
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    now = time.time() if now is None else now
    if not isinstance(exp, (int, float)) or exp + CLOCK_TOLERANCE <= now:
        return None
    return claims


def _iso(ms: int) -> str:
    """JavaScript's ``Date.prototype.toISOString()``: ``2024-01-02T03:04:05.678Z``."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def session_from_claims(claims: Mapping[str, Any], max_age: int, now: float) -> dict[str, Any]:
    """The session JSON v4's default ``session`` callback builds from a token (and nextauth too):
    ``user`` has the token's ``name``, ``email`` and ``picture`` (as ``image``), absent ones left
    out; ``expires`` is now + ``max_age``; a token's ``error`` is shown."""
    user = {to: claims[frm] for frm, to in (("name", "name"), ("email", "email"), ("picture", "image")) if frm in claims}
    session: dict[str, Any] = {"user": user, "expires": _iso(int(now * 1000) + max_age * 1000)}
    if "error" in claims:
        session["error"] = claims["error"]
    return session


def read_session_local(
    cookies: Mapping[str, str],
    secret: str,
    secure: bool = False,
    max_age: int = DEFAULT_MAX_AGE,
    now: float | None = None,
) -> dict[str, Any] | None:
    """The local path: the session JSON built from the decrypted cookie, or ``None``."""
    token = session_token(cookies, secure)
    if not token:
        return None
    now = time.time() if now is None else now
    claims = decode_token(token, secret, now)
    return None if claims is None else session_from_claims(claims, max_age, now)


@dataclass
class HttpSession:
    """What ``GET session`` answered: the session (``None`` when ``{}``) and its ``Set-Cookie``s."""

    session: dict[str, Any] | None
    set_cookies: list[str] = field(default_factory=list)


def read_session_http(
    base_url: str,
    cookie_header: str | None,
    client: httpx.Client | None = None,
    timeout: float = 5.0,
) -> HttpSession:
    """The HTTP path: ``GET {base_url}/session`` with the request's ``Cookie`` header.

    ``base_url`` is nextauth's ``/api/auth`` URL as this backend reaches it (``NEXTAUTH_INTERNAL_URL``,
    else ``NEXTAUTH_URL``). Raises ``httpx.HTTPError`` when nextauth cannot be reached or answers
    other than 200, so that an outage is not mistaken for a signed-out user.
    """
    headers = {"accept": "application/json"}
    if cookie_header:
        headers["cookie"] = cookie_header
    url = base_url.rstrip("/") + "/session"
    if client is None:
        res = httpx.get(url, headers=headers, timeout=timeout)
    else:
        res = client.get(url, headers=headers, timeout=timeout)
    res.raise_for_status()
    try:
        body = res.json()
    except ValueError as e:
        # Not JSON from nextauth: unavailable (503 in the readers), not a crash.
        raise httpx.DecodingError(f"GET session answered no JSON: {e}") from e
    session = body if isinstance(body, dict) and body else None
    # Only the session cookie's (its rotation, chunks, or its removal when the session is gone):
    # the csrf and callback-url cookies nextauth also sets belong to its own pages.
    set_cookies = [c for c in res.headers.get_list("set-cookie") if _SESSION_SET_COOKIE.match(c)]
    return HttpSession(session, set_cookies)


@dataclass
class Settings:
    """Where the readers get their configuration: the environment next-auth apps already have.

    * ``NEXTAUTH_INTERNAL_URL`` (else ``NEXTAUTH_URL``): nextauth's ``/api/auth`` URL;
    * ``NEXTAUTH_SECRET``: needed by the local path only;
    * ``NEXTAUTH_SESSION_LOCAL=1``: use the local path (the default is HTTP);
    * ``NEXTAUTH_SESSION_MAX_AGE``: the server's ``session.max_age`` (seconds), for ``expires``.
    """

    base_url: str | None = None
    secret: str | None = None
    local: bool = False
    max_age: int = DEFAULT_MAX_AGE
    secure: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        url = env.get("NEXTAUTH_INTERNAL_URL") or env.get("NEXTAUTH_URL")
        return cls(
            base_url=url,
            secret=env.get("NEXTAUTH_SECRET") or env.get("AUTH_SECRET"),
            local=env.get("NEXTAUTH_SESSION_LOCAL", "") in ("1", "true"),
            max_age=int(env.get("NEXTAUTH_SESSION_MAX_AGE") or DEFAULT_MAX_AGE),
            # v4's getToken(): the __Secure- cookie when the public URL is https.
            secure=(env.get("NEXTAUTH_URL") or "").startswith("https://"),
        )

    def read(
        self, cookies: Mapping[str, str], cookie_header: str | None, client: httpx.Client | None = None
    ) -> HttpSession:
        """The session by the configured path (the local one never has ``Set-Cookie``s)."""
        if self.local:
            if not self.secret:
                raise ValueError("NEXTAUTH_SESSION_LOCAL=1 needs NEXTAUTH_SECRET")
            return HttpSession(read_session_local(cookies, self.secret, self.secure, self.max_age))
        if not self.base_url:
            raise ValueError("set NEXTAUTH_INTERNAL_URL (or NEXTAUTH_URL) to nextauth's /api/auth URL")
        return read_session_http(self.base_url, cookie_header, client)
