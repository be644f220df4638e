"""Editor accounts: argon2id, `kb user add`, login sessions, throttling across workers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from conftest import THESAURUS, FakeEmbedder, make_settings
from sqlalchemy import select, update

from kb import auth
from kb.cli import main
from kb.db import LoginSessionRow, RateEventRow, UserRow, session_factory
from kb.service import KnowledgeBase
from kb.web import create_app

EDITOR, PASSWORD = "redaktion@beispiel.example", "ein-langes-passwort-42"


@pytest.fixture()
def site(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy, thesaurus=THESAURUS)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.build()
    auth.add_user(kb.engine, EDITOR, PASSWORD, "editor")
    return create_app(settings, kb=kb), kb


def csrf(client, path="/review/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, email=EDITOR, password=PASSWORD, **extra):
    return client.post("/review/login", data={"csrf_token": csrf(client), "email": email,
                                              "password": password, **extra})


# -- accounts --------------------------------------------------------------------------------
def test_password_is_stored_as_argon2id_with_the_asvs_parameters(site):
    _, kb = site
    with session_factory(kb.engine)() as session:
        user = session.scalars(select(UserRow)).one()
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in user.password_hash and user.role == "editor"


@pytest.mark.parametrize(("email", "password", "role", "message"), [
    ("keine-adresse", PASSWORD, "editor", "keine gültige E-Mail-Adresse"),
    ("neu@beispiel.example", "kurz", "editor", "mindestens 12 Zeichen"),
    ("neu@beispiel.example", PASSWORD, "chef", "Unbekannte Rolle"),
    (" Redaktion@Beispiel.example ", PASSWORD, "admin", "gibt es schon"),
])
def test_bad_accounts_are_refused_in_german(site, email, password, role, message):
    _, kb = site
    with pytest.raises(auth.AccountError, match=message):
        auth.add_user(kb.engine, email, password, role)


def test_kb_user_add_reads_the_password_from_stdin_or_a_prompt(site):
    _, kb = site
    obj = {"settings": kb.settings, "kb": kb}
    result = CliRunner().invoke(main, ["user", "add", "admin@beispiel.example", "--role",
                                       "admin", "--password-stdin"],
                                input="noch-ein-langes-passwort\n", obj=obj)
    assert result.exit_code == 0 and "Konto admin@beispiel.example (admin) angelegt" in \
        result.output
    prompted = CliRunner().invoke(main, ["user", "add", "zweite@beispiel.example", "--role",
                                         "editor"], input="passwort-mit-laenge\n"
                                  "passwort-mit-laenge\n", obj=obj)
    assert prompted.exit_code == 0 and "Passwort" in prompted.output
    client = create_app(kb.settings, kb=kb).test_client()
    assert login(client, "zweite@beispiel.example", "passwort-mit-laenge").status_code == 303
    again = CliRunner().invoke(main, ["user", "add", "admin@beispiel.example", "--role",
                                      "admin", "--password-stdin"], input="x" * 20 + "\n",
                               obj=obj)
    assert again.exit_code == 1 and "Fehler: Ein Konto für admin@beispiel.example gibt es " \
        "schon." in again.output


# -- login and logout --------------------------------------------------------------------------
def test_login_starts_a_new_session_and_logout_really_ends_it(site):
    app, _ = site
    client = app.test_client()
    assert client.get("/review").headers["Location"].startswith("/review/login")
    before = csrf(client)
    resp = login(client)
    assert resp.status_code == 303 and resp.headers["Location"] == "/review"
    queue = client.get("/review")
    assert queue.status_code == 200 and f"Angemeldet als <strong>{EDITOR}</strong>" in queue.text
    assert 'href="/review"' in queue.text and ">Redaktion</a>" in queue.text
    after = re.search(r'name="csrf_token" value="([^"]+)"', queue.text).group(1)
    assert after != before  # nothing of the session before the login survives
    stolen = client.get_cookie("session").value
    resp = client.post("/review/logout", data={"csrf_token": after})
    assert resp.status_code == 303
    assert client.get("/review").status_code == 303
    # A copy of the logged-in cookie is worthless after logout (server-side session ended).
    client.set_cookie("session", stolen)
    assert client.get("/review").status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/review").status_code == 303


def test_wrong_password_gets_a_german_401_without_saying_which(site):
    app, _ = site
    client = app.test_client()
    for email in (EDITOR, "unbekannt@beispiel.example"):
        resp = login(client, email, "falsches-passwort!")
        assert resp.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch." in resp.text
        assert f'value="{email}"' in resp.text and 'aria-describedby="login-error"' in resp.text
    assert client.get("/review").status_code == 303


def test_login_is_throttled_across_worker_processes(site):
    app, kb = site
    # Another app with its own service on the same database stands for a second worker.
    other = create_app(kb.settings, kb=KnowledgeBase(kb.settings, embedder=FakeEmbedder()))
    for i in range(auth.MAX_FAILURES_PER_ACCOUNT):
        worker = app if i % 2 else other
        assert login(worker.test_client(), password=f"falsch-{i}").status_code == 401
    locked = login(app.test_client())  # even the right password waits now
    assert locked.status_code == 429 and "Zu viele fehlgeschlagene Anmeldeversuche" in locked.text
    assert login(other.test_client()).status_code == 429
    # The lock ends with the window.
    with session_factory(kb.engine).begin() as session:
        session.execute(update(RateEventRow).values(
            at=dt.datetime.now(dt.UTC) - auth.LOGIN_WINDOW - dt.timedelta(minutes=1)))
    assert login(app.test_client()).status_code == 303


def test_a_success_clears_the_account_failures_but_the_client_limit_holds(site, monkeypatch):
    app, kb = site
    auth.add_user(kb.engine, "zweite@beispiel.example", PASSWORD, "editor")
    client = app.test_client()
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT - 1):
        assert login(client, password="daneben-daneben").status_code == 401
    assert login(client).status_code == 303
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT - 1):
        assert login(app.test_client(), password="daneben-daneben").status_code == 401
    assert login(app.test_client()).status_code == 303
    monkeypatch.setattr(auth, "MAX_FAILURES_PER_CLIENT", 9)
    # 8 failures from this client so far; one more for another account reaches the limit.
    assert login(app.test_client(), "zweite@beispiel.example", "daneben!!").status_code == 401
    assert login(app.test_client(), "zweite@beispiel.example", PASSWORD).status_code == 429
    far = app.test_client()
    far.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert login(far, "zweite@beispiel.example", PASSWORD).status_code == 303


def test_login_goes_back_only_to_pages_of_this_site(site):
    app, _ = site
    resp = login(app.test_client(), next="https://evil.example/")
    assert resp.headers["Location"] == "/review"
    resp = login(app.test_client(), next="//evil.example/x")
    assert resp.headers["Location"] == "/review"
    resp = login(app.test_client(), next="/review?state=alle")
    assert resp.headers["Location"] == "/review?state=alle"


def test_login_and_logout_need_the_csrf_token(site):
    app, _ = site
    client = app.test_client()
    csrf(client)
    resp = client.post("/review/login", data={"email": EDITOR, "password": PASSWORD})
    assert resp.status_code == 400 and client.get("/review").status_code == 303
    login(client)
    assert client.post("/review/logout").status_code == 400
    assert client.get("/review").status_code == 200


def test_expired_sessions_and_deactivated_accounts_are_refused(site):
    app, kb = site
    client = app.test_client()
    login(client)
    assert client.get("/review").status_code == 200
    with session_factory(kb.engine).begin() as session:
        session.execute(update(LoginSessionRow).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert client.get("/review").status_code == 303
    login(client)
    with session_factory(kb.engine).begin() as session:
        session.execute(update(UserRow).values(active=False))
    assert client.get("/review").status_code == 303
    assert login(app.test_client()).status_code == 401


def test_navigation_shows_the_editorial_link_only_to_editors(client):
    html = client.get("/").get_data(as_text=True)
    assert "Fall einreichen</a>" in html and 'href="/review"' not in html
