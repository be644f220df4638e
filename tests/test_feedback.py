"""The feedback form of the Erklärung zur Barrierefreiheit: validate, store, show editors."""

import re

from kb import auth
from kb.web import create_app

PASSWORD = "ein-langes-Passwort-2026"


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def send(client, **form):
    return client.post("/barrierefreiheit", data={"csrf_token": csrf(client, "/barrierefreiheit"),
                                                   **form})


def test_feedback_is_stored_and_listed_for_editors_only(built):
    kb, _ = built
    app = create_app(kb.settings, kb=kb)
    visitor = app.test_client()
    page = visitor.get("/barrierefreiheit").text
    assert "Barriere melden" in page and '<label for="fb-message">' in page
    resp = send(visitor, message="Der Kontrast der Filter ist zu schwach.",
                page="/?q=Hitze", reply_to="leser@example.org")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#rueckmeldung")
    assert "Vielen Dank" in visitor.get(resp.headers["Location"]).text

    assert visitor.get("/review/rueckmeldungen").status_code == 303  # to the login
    auth.add_user(kb.engine, "barrieren@example.org", PASSWORD, "editor")
    editor = app.test_client()
    editor.post("/review/login", data={"csrf_token": csrf(editor, "/review/login"),
                                       "email": "barrieren@example.org", "password": PASSWORD})
    listing = editor.get("/review/rueckmeldungen").text
    assert "Der Kontrast der Filter ist zu schwach." in listing
    assert "mailto:leser@example.org" in listing and "/?q=Hitze" in listing


def test_invalid_feedback_is_explained_and_kept(client):
    resp = send(client, message="  ", reply_to="keine-adresse", page="/x")
    assert resp.status_code == 422
    html = resp.text
    assert 'href="#fb-message"' in html and 'href="#fb-reply_to"' in html
    assert 'aria-describedby="fb-message-error"' in html
    assert 'value="keine-adresse"' in html and 'value="/x"' in html


def test_feedback_is_rate_limited_per_client(built):
    kb, _ = built
    app = create_app(kb.settings, kb=kb)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.77"  # a client of its own
    codes = [send(client, message=f"Meldung {i}").status_code for i in range(6)]
    assert codes[:5] == [303] * 5 and codes[5] == 429


def test_feedback_needs_the_csrf_token(client):
    assert client.post("/barrierefreiheit", data={"message": "ohne Token"}).status_code == 400
