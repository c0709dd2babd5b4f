"""The FastAPI dependency and the Django middleware, each on both paths (HTTP: nextauth's
``GET session``; local: the JWE decrypted here), against a real nextauth and real sessions."""

from __future__ import annotations

import re
from datetime import datetime

import django
import httpx
import pytest
from django.conf import settings as django_settings
from django.http import JsonResponse
from django.test import Client as DjangoClient
from django.test import override_settings
from django.urls import path
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from conftest import COOKIE, SECRET, chunked, cookie_header, mint, tampered
from nextauth_session import Settings, decode_token, read_session_local

# --- the two apps under test -------------------------------------------------------------------


def _django_me(request):
    return JsonResponse({"session": request.nextauth_session})


urlpatterns = [path("me", _django_me)]

if not django_settings.configured:
    django_settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django_session.NextAuthSessionMiddleware"],
        INSTALLED_APPS=[],
    )
    django.setup()


def ask_fastapi(server, local: bool, cookies: dict[str, str]):
    from fastapi_session import session_dependency

    settings = Settings(base_url=server.base, secret=SECRET, local=local)
    app = FastAPI()

    @app.get("/me")
    def me(session=Depends(session_dependency(settings))):
        return {"session": session}

    with TestClient(app) as c:
        res = c.get("/me", headers={"cookie": cookie_header(cookies)} if cookies else {})
    return res.status_code, res.json(), res.headers.get_list("set-cookie")


def ask_django(server, local: bool, cookies: dict[str, str]):
    with override_settings(NEXTAUTH_INTERNAL_URL=server.base, NEXTAUTH_SECRET=SECRET, NEXTAUTH_SESSION_LOCAL=local):
        client = DjangoClient(HTTP_COOKIE=cookie_header(cookies)) if cookies else DjangoClient()
        res = client.get("/me")
    set_cookies = [m.OutputString() for m in res.cookies.values()]
    body = res.json() if res.status_code == 200 else res.content.decode()
    return res.status_code, body, set_cookies


READERS = {
    "fastapi-http": (ask_fastapi, False),
    "fastapi-local": (ask_fastapi, True),
    "django-http": (ask_django, False),
    "django-local": (ask_django, True),
}
reader_ids = list(READERS)


def read(name: str, server, cookies):
    ask, local = READERS[name]
    return ask(server, local, cookies)


# --- tests -------------------------------------------------------------------------------------


def iso_ms(text: str) -> int:
    """``2024-01-02T03:04:05.678Z`` (JavaScript's toISOString) → milliseconds since the epoch."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text), text
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def server_session(server, cookies):
    """What nextauth's GET session answers to these cookies (the reference)."""
    res = httpx.get(f"{server.base}/session", headers={"cookie": cookie_header(cookies)})
    assert res.status_code == 200
    return res.json()


@pytest.mark.parametrize("reader", reader_ids)
def test_reads_the_session_nextauth_minted(server, signed_in, reader):
    status, body, set_cookies = read(reader, server, signed_in)
    assert status == 200, body
    expected = server_session(server, signed_in)
    assert expected["user"] == {"name": "Alice", "email": "alice@example.com"}
    session = body["session"]
    # The same JSON as GET session: user as is, expires an ISO time 30 days on (now + max_age on
    # both sides, so the two reads' expires differ by the time between them: a minute at most).
    assert session["user"] == expected["user"]
    assert set(session) == set(expected)
    assert abs(iso_ms(session["expires"]) - iso_ms(expected["expires"])) < 60_000, (session, expected)
    if reader.endswith("-http"):
        # The rotated cookie is passed on, as GET session sets it.
        assert any(c.startswith(f"{COOKIE}=") for c in set_cookies), set_cookies
    else:
        assert set_cookies == []


@pytest.mark.parametrize("reader", reader_ids)
def test_signed_out_is_none(server, reader):
    status, body, set_cookies = read(reader, server, {})
    assert (status, body) == (200, {"session": None})
    # nextauth's own csrf / callback-url cookies are not passed on: only the session cookie's.
    assert set_cookies == []


@pytest.mark.parametrize("reader", reader_ids)
def test_tampered_cookie_is_refused(server, signed_in, reader):
    bad = tampered(signed_in)
    assert server_session(server, bad) == {}
    status, body, _ = read(reader, server, bad)
    assert (status, body) == (200, {"session": None})


@pytest.mark.parametrize("reader", reader_ids)
def test_expired_cookie_is_refused(server, reader):
    claims = {"name": "Alice", "email": "alice@example.com", "sub": "credentials-alice"}
    # The same token but in date is accepted: the refusal below is the expiry's doing.
    fresh = {COOKIE: mint(claims, 3600)}
    status, body, _ = read(reader, server, fresh)
    assert status == 200 and body["session"]["user"]["email"] == "alice@example.com", body
    # exp a minute ago: past v4's 15 s clock tolerance.
    expired = {COOKIE: mint(claims, -60)}
    assert server_session(server, expired) == {}
    status, body, _ = read(reader, server, expired)
    assert (status, body) == (200, {"session": None})


@pytest.mark.parametrize("reader", reader_ids)
def test_chunked_cookie_is_joined(server, reader):
    # Over 4 KB: next-auth splits the cookie into .0, .1, … chunks.
    claims = {"name": "Alice", "email": "alice@example.com", "sub": "credentials-alice", "pad": "x" * 6000}
    cookies = chunked(mint(claims, 3600))
    assert len(cookies) >= 2
    assert server_session(server, cookies)["user"]["email"] == "alice@example.com"
    status, body, _ = read(reader, server, cookies)
    assert status == 200 and body["session"]["user"] == {"name": "Alice", "email": "alice@example.com"}, body


def test_local_path_refuses_another_secret(signed_in):
    assert read_session_local(signed_in, SECRET) is not None
    assert read_session_local(signed_in, SECRET + "-other") is None
    assert decode_token("not.a.jwe.at.all", SECRET) is None


@pytest.mark.parametrize("reader", ["fastapi-http", "django-http"])
def test_http_path_unreachable_nextauth_is_503_not_signed_out(reader, signed_in):
    class Down:
        base = "http://127.0.0.1:9/api/auth"  # discard port: nothing listens

    status, _, _ = read(reader, Down(), signed_in)
    assert status == 503


def test_chunk_index_must_be_ascii_digits():
    # "²".isdigit() is True but int("²") raises: such a cookie name is ignored, not a 500.
    from nextauth_session import session_token

    assert session_token({"next-auth.session-token.²": "x"}) is None
    assert session_token({"next-auth.session-token.1": "b", "next-auth.session-token.0": "a"}) == "ab"
