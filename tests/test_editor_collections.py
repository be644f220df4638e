"""Logged-in editors see the collections they created or edited, across browser sessions."""

import re

from kb import auth
from kb.web import create_app

PASSWORD = "ein-langes-Passwort-2026"


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def login(client, email):
    resp = client.post("/review/login", data={
        "csrf_token": csrf(client, "/review/login"), "email": email, "password": PASSWORD})
    assert resp.status_code in (302, 303), resp.text


def test_editor_sees_own_collections_in_a_new_session(built):
    kb, _ = built
    app = create_app(kb.settings, kb=kb)
    auth.add_user(kb.engine, "mappen@example.org", PASSWORD, "editor")
    auth.add_user(kb.engine, "andere@example.org", PASSWORD, "editor")

    first = app.test_client()
    login(first, "mappen@example.org")
    resp = first.post("/collections", data={"csrf_token": csrf(first, "/collections"),
                                             "title": "Webinar Hitzeschutz"})
    assert resp.status_code == 303
    anonymous = app.test_client()
    assert "Webinar Hitzeschutz" not in anonymous.get("/collections").text

    later = app.test_client()  # another day, another browser
    login(later, "mappen@example.org")
    page = later.get("/collections").text
    assert "Ihre Mappen als Redaktion" in page and "Webinar Hitzeschutz" in page
    assert "token=" in page  # the edit link

    other = app.test_client()
    login(other, "andere@example.org")
    assert "Webinar Hitzeschutz" not in other.get("/collections").text
