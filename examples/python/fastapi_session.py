"""A FastAPI dependency that gives a route the NextAuth session (see ``nextauth_session.py``).

    from fastapi import Depends, FastAPI, HTTPException
    from fastapi_session import get_session

    app = FastAPI()

    @app.get("/me")
    def me(session: dict | None = Depends(get_session)):
        if session is None:
            raise HTTPException(401)
        return session["user"]

``get_session`` reads the environment (``Settings.from_env()``: HTTP path by default,
``NEXTAUTH_SESSION_LOCAL=1`` for the local one); ``session_dependency(settings)`` makes one with
explicit settings. On the HTTP path the rotated session cookie's ``Set-Cookie`` is passed on to
the route's response, so the session's expiry slides as it does through ``GET session``.
"""

from __future__ import annotations

from typing import Any, Callable

import httpx
from fastapi import HTTPException, Request, Response

from nextauth_session import Settings


def session_dependency(settings: Settings) -> Callable[[Request, Response], dict[str, Any] | None]:
    """A dependency returning the session JSON (``None`` when signed out)."""

    def dependency(request: Request, response: Response) -> dict[str, Any] | None:
        try:
            found = settings.read(request.cookies, request.headers.get("cookie"))
        except httpx.HTTPError as e:
            # nextauth unreachable: not the same as signed out.
            raise HTTPException(status_code=503, detail="the session service is unavailable") from e
        for value in found.set_cookies:
            response.headers.append("set-cookie", value)
        return found.session

    return dependency


def get_session(request: Request, response: Response) -> dict[str, Any] | None:
    """``session_dependency(Settings.from_env())``, reading the environment on each request."""
    return session_dependency(Settings.from_env())(request, response)
