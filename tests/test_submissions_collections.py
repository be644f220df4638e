"""POST /submissions and /collections as INTERFACES.md describes them."""

import pytest

GOOD = {
    "title": "Digitale Baumkataster-App für den Bauhof",
    "municipality": "Gemeinde Beispielheim",
    "municipality_type": "gemeinde",
    "state": "BW",
    "domains": ["umwelt"],
    "status": "pilot",
    "summary": "Der Bauhof erfasst Baumkontrollen mobil statt auf Papier.",
    "updated": "2026-11-01",
    "body_markdown": "## Ausgangslage\nPapierlisten gingen verloren.",
}


def test_submission_created_and_status_page(client):
    resp = client.post("/api/v1/submissions", json=GOOD)
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["status"] == "pending" and data["id"]
    token_path = data["status_url"].split("localhost", 1)[-1]
    page = client.get(token_path)
    assert page.status_code == 200 and "eingereicht" in page.text and GOOD["title"] in page.text
    assert client.get("/submissions/falsches-token").status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"state": "XX"}, "state"),
    ({"title": None}, "title"),
    ({"body_markdown": ""}, "body_markdown"),
    ({"farbe": "rot"}, "farbe"),
    ({"contact": {"role": "Bauhofleitung"}}, "contact"),
])
def test_invalid_submission_is_422_with_field_errors(client, change, field):
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    resp = client.post("/api/v1/submissions", json=data)
    assert resp.status_code == 422
    assert field in [e["field"] for e in resp.get_json()["errors"]]


def test_contact_is_accepted_with_consent(client):
    data = {**GOOD, "contact": {"role": "Bauhofleitung"}, "contact_consent": True}
    assert client.post("/api/v1/submissions", json=data).status_code == 201


@pytest.mark.parametrize("body", [b"", b"kein json", b"[1, 2", b"null"])
def test_non_json_submission_is_400(client, body):
    resp = client.post("/api/v1/submissions", data=body, content_type="application/json")
    assert resp.status_code in (400, 422) and resp.is_json


def test_oversized_body_is_413(client):
    resp = client.post("/api/v1/submissions", data=b"x" * (2 * 1024 * 1024),
                       content_type="application/json")
    assert resp.status_code == 413 and resp.is_json


def test_collection_create_and_get(client):
    slugs = ["starkregen-beispielstadt", "rufbus-landgemeinde"]
    resp = client.post("/api/v1/collections", json={"title": "Webinar Starkregen", "cases": slugs})
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["edit_url"] != data["share_url"] and "token=" in data["edit_url"]
    got = client.get(f"/api/v1/collections/{data['id']}").get_json()
    assert got["title"] == "Webinar Starkregen"
    assert [c["slug"] for c in got["cases"]] == ["starkregen-beispielstadt", "rufbus-landgemeinde"]
    page = client.get(f"/collections/{data['id']}")
    assert page.status_code == 200 and "Starkregengefahrenkarte" in page.text


@pytest.mark.parametrize("payload", [
    {"title": "", "cases": []},
    {"title": "Gut", "cases": ["gibt-es-nicht"]},
    {"title": "Gut", "cases": "starkregen-beispielstadt"},
    {"cases": ["starkregen-beispielstadt"]},
    ["kein", "objekt"],
])
def test_invalid_collection_is_422(client, payload):
    resp = client.post("/api/v1/collections", json=payload)
    assert resp.status_code == 422 and resp.get_json()["errors"]


def test_unknown_collection_is_404(client):
    assert client.get("/api/v1/collections/nix").status_code == 404
