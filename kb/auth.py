"""Editor accounts: argon2id passwords, server-side login sessions, throttles in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from .cases import EMAIL_RE
from .db import LoginSessionRow, RateEventRow, UserRow, as_utc, session_factory, utcnow
from .errors import KbError

# OWASP ASVS 5.0 floor for argon2id: 64 MiB, three passes, four lanes (about 0.1 s per hash).
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32,
                        salt_len=16, type=Type.ID)
ROLES = {"editor": "Redaktion", "admin": "Administration"}
MIN_PASSWORD_CHARS = 12
SESSION_LIFETIME = dt.timedelta(hours=8)
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
EVENT_RETENTION = dt.timedelta(days=2)
# Verified when the account does not exist, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class AccountError(KbError):
    """An account cannot be created as requested."""

    http_status = 400


class LoginFailed(KbError):
    """Email address or password is wrong (deliberately not saying which)."""

    http_status = 401


class Throttled(KbError):
    """Too many attempts from this client or for this account; try again later."""

    http_status = 429


def _hash_key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def client_key(secret: str, address: str | None) -> str:
    """Return a keyed hash of a client address, so no IP address is stored in clear."""
    raw = (address or "unbekannt").encode("utf-8")
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# -- counted events (shared by every worker process through the database) ---------------------
def count_events(engine, kind: str, key: str, window: dt.timedelta) -> int:
    """Count events of a kind for a key within the window up to now."""
    since = utcnow() - window
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(RateEventRow).where(
            RateEventRow.kind == kind, RateEventRow.key == key, RateEventRow.at >= since))


def record_event(engine, kind: str, key: str) -> None:
    """Store one event and drop events too old to matter for any limit."""
    with session_factory(engine).begin() as session:
        session.execute(delete(RateEventRow).where(RateEventRow.at < utcnow() - EVENT_RETENTION))
        session.add(RateEventRow(kind=kind, key=key, at=utcnow()))


def clear_events(engine, kind: str, key: str) -> None:
    with session_factory(engine).begin() as session:
        session.execute(delete(RateEventRow).where(RateEventRow.kind == kind,
                                                   RateEventRow.key == key))


# -- accounts ----------------------------------------------------------------------------------
def add_user(engine, email: str, password: str, role: str) -> UserRow:
    """Create an account; the password is stored only as an argon2id hash."""
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError(f"„{email}“ ist keine gültige E-Mail-Adresse.")
    if role not in ROLES:
        raise AccountError(f"Unbekannte Rolle „{role}“; möglich: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Das Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen haben.")
    with session_factory(engine).begin() as session:
        if session.scalar(select(UserRow).where(UserRow.email == email)) is not None:
            raise AccountError(f"Ein Konto für {email} gibt es schon.")
        row = UserRow(email=email, password_hash=HASHER.hash(password), role=role, active=True)
        session.add(row)
    return row


def get_user(engine, user_id: int) -> UserRow | None:
    with session_factory(engine)() as session:
        return session.get(UserRow, user_id)


def authenticate(engine, email: str, password: str, client: str) -> UserRow:
    """Check email and password under per-account and per-client failure limits."""
    email = normalize_email(email)
    account = _hash_key(email)
    if (count_events(engine, "login-account", account, LOGIN_WINDOW) >= MAX_FAILURES_PER_ACCOUNT
            or count_events(engine, "login-client", client, LOGIN_WINDOW)
            >= MAX_FAILURES_PER_CLIENT):
        minutes = int(LOGIN_WINDOW.total_seconds() // 60)
        raise Throttled("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie "
                        f"{minutes} Minuten und versuchen Sie es dann erneut.")
    with session_factory(engine)() as session:
        user = session.scalar(select(UserRow).where(UserRow.email == email))
    ok = False
    try:
        ok = HASHER.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        record_event(engine, "login-account", account)
        record_event(engine, "login-client", client)
        raise LoginFailed("E-Mail-Adresse oder Passwort ist falsch.")
    clear_events(engine, "login-account", account)
    if HASHER.check_needs_rehash(user.password_hash):
        with session_factory(engine).begin() as session:
            session.get(UserRow, user.id).password_hash = HASHER.hash(password)
    return user


# -- login sessions (server side, so that logging out really ends them) -----------------------
def start_session(engine, user: UserRow) -> str:
    """Create a login session and return its secret for the browser's session cookie."""
    secret = secrets.token_urlsafe(32)
    with session_factory(engine).begin() as session:
        session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at < utcnow()))
        session.add(LoginSessionRow(id=_hash_key(secret), user_id=user.id,
                                    expires_at=utcnow() + SESSION_LIFETIME))
    return secret


def user_for_session(engine, secret: str | None) -> UserRow | None:
    """Return the active account of a login session that exists and has not expired."""
    if not secret:
        return None
    with session_factory(engine)() as session:
        row = session.get(LoginSessionRow, _hash_key(secret))
        if row is None or as_utc(row.expires_at) < utcnow():
            return None
        user = session.get(UserRow, row.user_id)
        return user if user is not None and user.active else None


def end_session(engine, secret: str | None) -> None:
    """Delete a login session; its cookie is worthless from now on."""
    if not secret:
        return
    with session_factory(engine).begin() as session:
        session.execute(delete(LoginSessionRow).where(LoginSessionRow.id == _hash_key(secret)))
