"""CSRF protection for the HTML forms: a per-session token checked on every state change."""

from __future__ import annotations

import secrets

from flask import Flask, request, session

from ..errors import KbError

SESSION_KEY = "_csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The JSON API takes no cookies into account for authorization, so it needs no token.
EXEMPT_PREFIXES = ("/api/",)


class CsrfError(KbError):
    """A form arrived without the session's CSRF token."""

    http_status = 400


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Reject a state-changing request to a page route whose token does not match."""
    if request.method not in UNSAFE_METHODS or request.path.startswith(EXEMPT_PREFIXES):
        return
    expected = session.get(SESSION_KEY, "")
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not expected or not secrets.compare_digest(str(sent).encode(), str(expected).encode()):
        raise CsrfError(
            "Das Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. "
            "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
        )


def init_app(app: Flask) -> None:
    """Check tokens before each request and offer csrf_token() to every template."""
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
