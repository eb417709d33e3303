"""Request guards: Host check (DNS rebinding), browser session cookie, CSRF tokens, headers.

A pure ASGI middleware so it wraps every response, static files and errors included.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "Guard", "csrf_token", "csrf_ok", "hostname", "loopback_hosts"]

SESSION_COOKIE = "rs_session"

#: No inline script or style, nothing from elsewhere, no framing, forms post only here.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # "no-referrer" would make form POSTs send Origin: null
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}


def hostname(host_header: str) -> str:
    """The host part of a Host header ('127.0.0.1:8765' → '127.0.0.1', '[::1]:80' → '::1')."""
    try:
        return (urlsplit(f"//{host_header.strip()}").hostname or "").lower()
    except ValueError:
        return ""


def loopback_hosts(bound: str) -> set[str]:
    """Names a browser may use for the bound address: loopback also answers to 'localhost'."""
    bound = bound.strip("[]").lower()
    if bound in ("127.0.0.1", "localhost", "::1"):
        return {"127.0.0.1", "localhost", "::1"}
    return {bound}


def csrf_token(secret: bytes, session: str) -> str:
    """The form token for a session: an HMAC only this server can compute."""
    return hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(secret: bytes, session: str, token: Any) -> bool:
    """Whether a POSTed token belongs to this session."""
    return isinstance(token, str) and bool(session) and hmac.compare_digest(
        csrf_token(secret, session), token)


class Guard:
    """Rejects foreign Host headers and cross-site POSTs; gives each browser a session id;
    adds the security headers (CSP without inline script) to every response."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.strip("[]").lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if hostname(headers.get("host", "")) not in self.allowed:
            await self._refuse(scope, receive, send, "This server answers only at its own "
                               "address (unexpected Host header).")
            return
        origin = headers.get("origin")
        if scope["method"] == "POST" and origin and hostname(
                urlsplit(origin).netloc) not in self.allowed:
            await self._refuse(scope, receive, send, "Cross-site request refused.")
            return
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 — a malformed cookie header is just no cookie
            cookie = SimpleCookie()
        session = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else ""
        new = not (32 <= len(session) <= 64 and session.replace("-", "").replace("_", "")
                   .isalnum())
        if new:
            session = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["session"] = session

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    out[key] = value
                if new:
                    out.append("set-cookie", f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; "
                               "SameSite=Strict")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, text: str) -> None:
        response = PlainTextResponse(text, status_code=400, headers=SECURITY_HEADERS)
        await response(scope, receive, send)
