"""The studio's gate: every request passes here before it reaches a route.

An ASGI middleware (pure ASGI, so the proof view's event streams pass through
untouched) that

- on a non-loopback host, lets nothing through without a key: a ``?key=`` from a
  link is exchanged for an HttpOnly, SameSite=Strict cookie and the address is
  reloaded without it (so the key never stays in the address bar, the history or
  a Referer); a missing key is 401, a forged or withdrawn one 403;
- lets a department's key reach only ``/departments/<its id>`` and what lies
  under it (and the static files): every other page (the other departments, the
  editor's list, the proof view of the central content) is 403;
- refuses every state-changing request (POST …) whose Origin is not the studio's
  own (403), on every host, loopback included: a page on another site open in the
  same browser could otherwise post to 127.0.0.1;
- on loopback, refuses a Host header that is not a loopback name when told to
  (against DNS rebinding);
- gives every browser a random session cookie that the forms' CSRF tokens are
  bound to, and adds the security headers to every response.

The request's grant is left in ``request.state.grant`` for the routes.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

from .access import (
    COOKIE,
    LOCAL_EDITOR,
    AccessError,
    Grant,
    Keys,
    is_loopback,
    origin_allowed,
)
from .i18n import say

SESSION_COOKIE = "folder_builder_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
]


def _cookie(name: str, value: str, *, secure: bool) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def session_id(scope: dict) -> str | None:
    """The browser's session cookie (or the one this request is being given)."""
    return scope.get("state", {}).get("session_id")


class Guard:
    """The middleware (see the module)."""

    def __init__(self, app, keys: Keys, *, public: bool,
                 language: Callable[[], str] = lambda: "en",
                 check_host: bool = False) -> None:
        self.app, self.keys, self.public = app, keys, public
        self.language, self.check_host = language, check_host

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header: as if there were none
            cookies = SimpleCookie()
        jar = {name: morsel.value for name, morsel in cookies.items()}
        secure = scope.get("scheme") == "https"
        extra: list[tuple[bytes, bytes]] = []
        session = jar.get(SESSION_COOKIE, "")
        if not (16 <= len(session) <= 128 and session.replace("-", "").replace("_", "")
                .isalnum()):
            session = secrets.token_urlsafe(24)
            extra.append((b"set-cookie", _cookie(SESSION_COOKIE, session, secure=secure)))
        scope.setdefault("state", {})["session_id"] = session
        path = scope.get("path", "/")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                               keep_blank_values=True))
        try:
            host = headers.get("host", "")
            if self.check_host and not self.public and not is_loopback(
                    host.rsplit(":", 1)[0] if not host.endswith("]") else host):
                raise AccessError(_host_message(), status=403)
            grant = self._grant(path, query, jar)
            if scope["method"] not in SAFE_METHODS and not origin_allowed(
                    headers.get("origin"), headers.get("referer"), host,
                    scope.get("scheme", "http")):
                raise AccessError(_origin_message(), status=403)
        except AccessError as exc:
            await _refuse(send, exc, self.language(), extra)
            return
        except _Redirect as redirect:
            extra.append((b"set-cookie", _cookie(COOKIE, redirect.key, secure=secure)))
            await _redirect(send, redirect.location, extra)
            return
        scope["state"]["grant"] = grant

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS,
                                      *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _grant(self, path: str, query: dict[str, str], jar: dict[str, str]) -> Grant:
        if not self.public:
            return LOCAL_EDITOR
        if path.startswith("/static/"):
            return Grant("static")
        if "key" in query:
            self.keys.grant(query["key"])  # 401/403 for a bad one, before the cookie
            rest = urlencode([(k, v) for k, v in query.items() if k != "key"])
            # "/" + the path without its leading slashes: "//evil.example" stays here
            location = "/" + quote(path.lstrip("/"))
            raise _Redirect(location + (f"?{rest}" if rest else ""), query["key"])
        grant = self.keys.grant(jar.get(COOKIE))
        if not grant.is_editor:
            prefix = f"/departments/{grant.department}"
            if path != prefix and not path.startswith(prefix + "/"):
                raise AccessError(_scope_message(path), status=403)
        return grant


class _Redirect(Exception):
    def __init__(self, location: str, key: str) -> None:
        super().__init__(location)
        self.location, self.key = location, key


def _host_message():
    from .i18n import N_

    return N_("this address is not this machine's own; open the studio at 127.0.0.1")


def _origin_message():
    from .i18n import N_

    return N_("the request did not come from the studio's own page; open the studio and "
              "try again there")


def _scope_message(path: str):
    from .i18n import N_

    if path.startswith("/departments/"):
        return N_("your link does not open this department")
    return N_("this page is for the editor; your link opens your department's page only")


async def _refuse(send, error: AccessError, language: str,
                  extra: list[tuple[bytes, bytes]]) -> None:
    text = html.escape(say(language, error.say))
    body = (f'<!doctype html><html lang="{html.escape(language)}"><meta charset="utf-8">'
            f'<title>{error.status}</title><link rel="stylesheet" href="/static/studio.css">'
            f'<main class="refused"><h1>{error.status}</h1><p data-refused>{text}</p></main>'
            "</html>").encode()
    await send({"type": "http.response.start", "status": error.status, "headers": [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
        *SECURITY_HEADERS, *extra]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send, location: str, extra: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", location.encode("latin-1", errors="replace")),
        (b"content-length", b"0"), (b"cache-control", b"no-store"),
        *SECURITY_HEADERS, *extra]})
    await send({"type": "http.response.body", "body": b""})
