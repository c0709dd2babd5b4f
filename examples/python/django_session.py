"""A Django middleware that puts the NextAuth session on ``request.nextauth_session``
(see ``nextauth_session.py``).

    # settings.py
    MIDDLEWARE = [..., "django_session.NextAuthSessionMiddleware"]
    # optional; each falls back to the environment (Settings.from_env()):
    NEXTAUTH_INTERNAL_URL = "http://127.0.0.1:3000/api/auth"
    NEXTAUTH_SECRET = "..."           # the local path only
    NEXTAUTH_SESSION_LOCAL = False    # True: decrypt the JWT cookie here instead of asking nextauth

    # a view
    def me(request):
        if request.nextauth_session is None:
            return HttpResponse(status=401)
        return JsonResponse(request.nextauth_session["user"])

On the HTTP path the rotated session cookie's ``Set-Cookie`` goes onto the response.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
from django.conf import settings as django_settings
from django.http import HttpResponse

from nextauth_session import Settings


def _settings() -> Settings:
    s = Settings.from_env()
    s.base_url = getattr(django_settings, "NEXTAUTH_INTERNAL_URL", None) or s.base_url
    s.secret = getattr(django_settings, "NEXTAUTH_SECRET", None) or s.secret
    s.local = bool(getattr(django_settings, "NEXTAUTH_SESSION_LOCAL", s.local))
    s.max_age = int(getattr(django_settings, "NEXTAUTH_SESSION_MAX_AGE", s.max_age))
    return s


class NextAuthSessionMiddleware:
    """Sets ``request.nextauth_session``: the session JSON, or ``None`` when signed out.

    Read once per request, before the view (an API backend's routes mostly need it); when
    nextauth cannot be reached (HTTP path) the request is answered 503, not treated as signed out.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.settings = _settings()

    def __call__(self, request):
        try:
            found = self.settings.read(request.COOKIES, request.headers.get("cookie"))
        except httpx.HTTPError:
            return HttpResponse("the session service is unavailable", status=503)
        request.nextauth_session = found.session
        response = self.get_response(request)
        # The rotated cookie (chunks and all), attributes as nextauth set them.
        for value in found.set_cookies:
            for key, morsel in SimpleCookie(value).items():
                response.cookies[key] = morsel
        return response
