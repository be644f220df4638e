"""Flask app factory: pages and the JSON API over one KnowledgeBase service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from ..errors import KbError
from ..queryparse import SIZE_BANDS
from ..service import KnowledgeBase
from ..settings import Settings

ROOT = Path(__file__).resolve().parents[2]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

NO_STORE_PREFIXES = ("/review", "/collections", "/submit", "/submissions")


class SessionCookies(SecureCookieSessionInterface):
    """Send the session cookie with Secure whenever the request came in over HTTPS.

    Behind the reverse proxy, gunicorn marks a request as HTTPS from X-Forwarded-Proto when
    the proxy is a trusted forwarder (forwarded_allow_ips, by default the same host).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


HTTP_MESSAGES = {
    400: "Die Anfrage ist ungültig.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Methode ist hier nicht erlaubt.",
    413: "Die Anfrage ist zu groß.",
    422: "Die Angaben sind fehlerhaft.",
    429: "Zu viele Anfragen. Bitte versuchen Sie es später erneut.",
    500: "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
    503: "Der Dienst ist gerade nicht verfügbar.",
}


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> Flask:
    """Build the app; tests pass their own settings (and a prepared service)."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(settings.instance_dir).resolve()),
    )
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        JSON_SORT_KEYS=False,
        TESTING=settings.testing,
    )
    app.session_interface = SessionCookies()
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["kb"] = kb or KnowledgeBase(settings)
    if settings.trusted_proxies:
        # Behind the municipal reverse proxy: client address and scheme from its headers.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from . import security
    from .api import bp as api_bp
    from .collections import bp as collections_bp
    from .legal import bp as legal_bp
    from .pages import bp as pages_bp
    from .review import bp as review_bp
    from .submit import bp as submit_bp

    security.init_app(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(collections_bp)
    app.register_blueprint(submit_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    @app.context_processor
    def vocabularies():
        return {"DOMAINS": DOMAINS, "STATES": STATES, "TYPES": MUNICIPALITY_TYPES,
                "STATUSES": STATUSES, "SIZES": {k: v[0] for k, v in SIZE_BANDS.items()}}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(NO_STORE_PREFIXES):
            # Edit tokens, status links, CSRF tokens and logins must not stay in any cache.
            response.headers["Cache-Control"] = "no-store"
        elif session.accessed:
            response.headers.setdefault("Cache-Control", "private")
        return response

    @app.errorhandler(KbError)
    def kb_error(exc: KbError):
        return _error_response(exc.http_status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _error_response(exc.code or 500, HTTP_MESSAGES.get(exc.code, exc.name))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # pragma: no cover - last resort, no stack traces
        app.logger.exception("Unerwarteter Fehler")
        return _error_response(500, HTTP_MESSAGES[500])

    return app


def _error_response(status: int, message: str):
    if request.path.startswith("/api/"):
        response = jsonify({"error": message})
        response.status_code = status
        return response
    g.page_title = HTTP_MESSAGES.get(status, "Fehler")
    return render_template("error.html", status=status, message=message), status


def kb_service() -> KnowledgeBase:
    from flask import current_app

    return current_app.extensions["kb"]
