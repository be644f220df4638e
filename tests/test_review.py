"""Reviewing and publishing: the whole path, edits with diffs, the queue, the CLI, crashes."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from click.testing import CliRunner
from conftest import DB_BACKENDS, THESAURUS, FakeEmbedder, make_settings, reset_postgres
from sqlalchemy import select, update
from test_submit_web import FORM, XSS, assert_harmless, csrf, post_form

from kb import auth, publish, review
from kb.cases import parse_case, read_case_file
from kb.cli import main
from kb.db import AuditRow, PublicationRow, SubmissionRow, session_factory
from kb.errors import ValidationFailed
from kb.indexes.store import load_bundle
from kb.service import KnowledgeBase
from kb.web import create_app

EDITOR, PASSWORD = "redaktion@beispiel.example", "ein-langes-passwort-42"
RUFBUS = "rufbus-landgemeinde"
NEW = {k: v for k, v in FORM.items() if k not in ("population", "tags", "partners",
                                                  "standards", "sources", "funding")}
NEW_DATA = {**NEW, "domains": ["umwelt"], "sources": ["https://www.beispielheim.example/"],
            "body_markdown": "## Ausgangslage\n\nDer Baumkontrolleur trug Papierlisten.\n"}


class Site:
    """A site on its own copy of the corpus, with one editor account."""

    def __init__(self, tmp_path, content, embedder, database_url=None):
        self.settings = make_settings(tmp_path, content, thesaurus=THESAURUS,
                                      database_url=database_url)
        self.kb = KnowledgeBase(self.settings, embedder=embedder)
        self.kb.build()
        self.app = create_app(self.settings, kb=self.kb)
        self.content = content
        auth.add_user(self.kb.engine, EDITOR, PASSWORD, "editor")

    def editor(self):
        client = self.app.test_client()
        resp = client.post("/review/login", data={
            "csrf_token": csrf(client, "/review/login"), "email": EDITOR, "password": PASSWORD})
        assert resp.status_code == 303
        return client

    def row(self, submission_id) -> SubmissionRow:
        return review.get_submission(self.kb.engine, submission_id)

    def audit(self, submission_id) -> list[tuple[str, str]]:
        with session_factory(self.kb.engine)() as session:
            rows = session.scalars(select(AuditRow).where(AuditRow.submission_id ==
                                                          submission_id).order_by(AuditRow.id))
            return [(r.actor, r.action) for r in rows]

    def searchable(self, query, slug) -> bool:
        hits = self.app.test_client().get("/api/v1/search", query_string={"q": query})
        return slug in [r["slug"] for r in hits.get_json()["results"]]

    def index(self):
        return CliRunner().invoke(main, ["index"], obj={"settings": self.settings,
                                                        "kb": self.kb})


@pytest.fixture(params=DB_BACKENDS)
def site(request, tmp_path, corpus_copy):
    """The review site on SQLite and, where make test started one, on PostgreSQL."""
    url = reset_postgres() if request.param == "postgresql" else None
    site = Site(tmp_path, corpus_copy, FakeEmbedder(), database_url=url)
    yield site
    site.kb.close()


def act(client, submission_id, action, message="", **extra):
    token = csrf(client, f"/review/{submission_id}")
    return client.post(f"/review/{submission_id}", data={
        "csrf_token": token, "action": action, "message": message, **extra})


def submit(site, data=None, case_slug=None) -> SubmissionRow:
    return review.create_submission(site.kb.engine, data or NEW_DATA, case_slug=case_slug)


# -- the whole path, end to end (real model, real FAISS) --------------------------------------
@pytest.mark.e2e
def test_submit_request_changes_resubmit_approve_and_find_at_once(tmp_path, corpus_copy,
                                                                  real_embedder):
    site = Site(tmp_path, corpus_copy, real_embedder)
    contributor = site.app.test_client()
    query = "Baumkataster Bauhof Baumkontrollen mobil erfassen"
    assert not site.searchable(query, "baumkataster-beispielheim")

    resp = post_form(contributor, sources="")
    token = resp.headers["Location"].rsplit("/", 1)[1]
    sid = review.submission_by_token(site.kb.engine, token).id

    editor = site.editor()
    queue = editor.get("/review").get_data(as_text=True)
    assert f'href="/review/{sid}">Baumkataster-App für den Bauhof</a>' in queue
    page = editor.get(f"/review/{sid}").get_data(as_text=True)
    assert "<h2>Ausgangslage</h2>" in page and "Alle Felder entsprechen dem Fall-Format" in page
    assert "Keine Quellen angegeben" in page and 'value="baumkataster-app-fuer-den-bauhof' in page
    assert 'id="aehnlich-titel"' in page

    resp = act(editor, sid, "changes_requested", "Bitte nennen Sie eine öffentliche Quelle.")
    assert resp.status_code == 303 and site.row(sid).status == "changes_requested"
    status = contributor.get(f"/submissions/{token}").get_data(as_text=True)
    assert ">Rückfrage</span>" in status and "Bitte nennen Sie eine öffentliche Quelle." in status
    assert EDITOR not in status and "<strong>Redaktion</strong>" in status
    assert f'href="/submissions/{token}/edit"' in status

    form = contributor.get(f"/submissions/{token}/edit").get_data(as_text=True)
    assert "Rückfrage der Redaktion" in form and 'value="Baumkataster-App für den Bauhof"' in form
    resp = post_form(contributor, f"/submissions/{token}/edit",
                     sources="https://www.beispielheim.example/baeume",
                     note="Quelle ergänzt.")
    assert resp.status_code == 303
    assert "Ihre überarbeitete Einreichung ist gespeichert" in contributor.get(
        resp.headers["Location"]).text
    assert site.row(sid).status == "in_review"
    assert site.row(sid).data["sources"] == ["https://www.beispielheim.example/baeume"]

    resp = act(editor, sid, "approve", slug="baumkataster-beispielheim")
    assert resp.status_code == 303
    assert "Veröffentlicht und sofort auffindbar" in editor.get(resp.headers["Location"]).text
    path = corpus_copy / "baumkataster-beispielheim.md"
    case, problems = read_case_file(path)
    assert problems == [] and case.meta["title"] == "Baumkataster-App für den Bauhof"
    assert "Quelle ergänzt" not in path.read_text(encoding="utf-8")  # the note stays private
    assert site.searchable(query, "baumkataster-beispielheim")  # no restart, no rebuild
    page = contributor.get("/cases/baumkataster-beispielheim").get_data(as_text=True)
    assert "als neuer Fall veröffentlicht, von der Redaktion geprüft" in page
    status = contributor.get(f"/submissions/{token}").get_data(as_text=True)
    assert ">veröffentlicht</span>" in status
    assert 'href="/cases/baumkataster-beispielheim"' in status
    assert site.audit(sid) == [("contributor", "submitted"), (EDITOR, "changes_requested"),
                               ("contributor", "resubmitted"), (EDITOR, "approved"),
                               (EDITOR, "published")]


def test_approval_embeds_only_the_new_case(site):
    sid = submit(site).id
    embedder = site.kb.embedder
    before = embedder.encoded
    pub = publish.approve(site.kb, sid, EDITOR)
    bundle = load_bundle(site.settings.index_dir)
    assert pub.slug in bundle.cases
    assert embedder.encoded - before == len(bundle.case_chunks[pub.slug]) > 0
    assert site.row(sid).status == "published"
    assert site.searchable("Baumkontrolleur Papierlisten", pub.slug)


# -- edits of published cases ------------------------------------------------------------------
def test_edit_shows_a_diff_and_publishes_keeping_unknown_fields(site):
    path = site.content / f"{RUFBUS}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "updated: 2026-01-15", "updated: 2026-01-15\nregionalschluessel: '146270010010'"),
        encoding="utf-8")
    site.kb.build()
    contributor = site.app.test_client()
    html = contributor.get(f"/submit?case={RUFBUS}").get_data(as_text=True)
    summary = re.search(r'<textarea id="summary"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    resp = contributor.post("/submit", data={
        "csrf_token": csrf(contributor, f"/submit?case={RUFBUS}"), "action": "submit",
        "case": RUFBUS, "title": "Rufbus auf Abruf für eine Landgemeinde",
        "municipality": "Gemeinde Kleindorf", "municipality_type": "gemeinde", "state": "SN",
        "population": "4200", "domains": "mobilitaet", "status": "betrieb", "started": "2021",
        "summary": summary.replace("Bahnhof", "Bahnhof und dem Ärztehaus"),
        "updated": "2026-12-01", "license": "CC-BY-4.0",
        "body_markdown": "## Ausgangslage\n\nDie Linienbusse fuhren fast leer.\n\n"
                         "## Neustart\n\nSeit 2026 fährt der Rufbus wieder."})
    assert resp.status_code == 303
    with session_factory(site.kb.engine)() as session:
        sid = session.scalars(select(SubmissionRow.id).where(
            SubmissionRow.case_slug == RUFBUS)).one()
    editor = site.editor()
    page = editor.get(f"/review/{sid}").get_data(as_text=True)
    assert "Änderungen gegenüber der veröffentlichten Fassung" in page
    assert "<del>-status: abgeschlossen</del>" in page and "<ins>+status: betrieb</ins>" in page
    assert "<ins>+## Neustart</ins>" in page
    assert "<del>-regionalschluessel" not in page  # the unknown field is kept
    assert "<span> domains:</span>" in page and "<del>-domains" not in page  # unchanged
    assert "<ins>+  mit dem Bahnhof und dem Ärztehaus.</ins>" in page
    assert act(editor, sid, "approve").status_code == 303
    case, problems = read_case_file(path)
    assert problems == [] and case.meta["status"] == "betrieb"
    assert case.extra == {"regionalschluessel": "146270010010"}
    assert "Ärztehaus" in site.app.test_client().get(f"/api/v1/cases/{RUFBUS}").json["summary"]
    page = site.app.test_client().get(f"/cases/{RUFBUS}").get_data(as_text=True)
    assert "Änderung veröffentlicht, von der Redaktion geprüft" in page
    assert "Erste Fassung aus dem Bestand der Redaktion" in page


# -- the queue and the actions -----------------------------------------------------------------
def test_review_pages_and_actions_need_a_login(site):
    sid = submit(site).id
    client = site.app.test_client()
    assert client.get("/review").headers["Location"] == "/review/login?next=/review"
    assert client.get(f"/review/{sid}").status_code == 303
    resp = client.post(f"/review/{sid}", data={"csrf_token": csrf(client), "action": "rejected",
                                               "message": "Nein."})
    assert resp.status_code == 303 and site.row(sid).status == "pending"


def test_queue_filters_by_state_and_age(site):
    old, fresh, done = submit(site), submit(site), submit(site)
    review.reject(site.kb.engine, done.id, EDITOR, "Doppelt.")
    with session_factory(site.kb.engine).begin() as session:
        session.execute(update(SubmissionRow).where(SubmissionRow.id == old.id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10)))
    editor = site.editor()

    def listed(**args) -> set[str]:
        html = editor.get("/review", query_string=args).get_data(as_text=True)
        return set(re.findall(r'href="/review/([0-9a-f]{16})"', html))

    assert listed() == {old.id, fresh.id}
    assert listed(state="rejected") == {done.id}
    assert listed(state="alle") == {old.id, fresh.id, done.id}
    assert listed(age="7") == {old.id}
    assert listed(age="woche") == {fresh.id}
    assert listed(state="alle", age="heute") == {fresh.id, done.id}
    assert listed(state="pending", age="30") == set()
    html = editor.get("/review").get_data(as_text=True)
    assert html.index(old.id) < html.index(fresh.id) and "10 Tagen" in html


def test_comment_reject_and_their_rules(site):
    sid = submit(site).id
    editor = site.editor()
    resp = act(editor, sid, "comment", "   ")
    assert resp.status_code == 409 and "Bitte schreiben Sie einen Text (Kommentar)." in resp.text
    assert act(editor, sid, "comment", "Sieht gut aus, wir prüfen die Quelle.").status_code == 303
    assert site.row(sid).status == "in_review"
    resp = act(editor, sid, "rejected", "")
    assert resp.status_code == 409 and "(Begründung)" in resp.text
    assert act(editor, sid, "rejected", "Kein Bezug zu digitalen Zwillingen.").status_code == 303
    assert site.row(sid).status == "rejected"
    resp = act(editor, sid, "approve")
    assert resp.status_code == 409 and "nicht eine im Stand „abgelehnt“" in resp.text
    assert act(editor, sid, "comment", "Noch etwas.").status_code == 409
    status = site.app.test_client().get(
        f"/submissions/{site.row(sid).token}").get_data(as_text=True)
    assert ">abgelehnt</span>" in status and "Kein Bezug zu digitalen Zwillingen." in status
    assert "Sieht gut aus, wir prüfen die Quelle." in status
    assert site.audit(sid) == [("contributor", "submitted"), (EDITOR, "comment"),
                               (EDITOR, "rejected")]
    assert not list(site.content.glob("baumkataster*.md"))


def test_resubmitting_is_only_possible_after_a_request_for_changes(site):
    row = submit(site)
    client = site.app.test_client()
    resp = client.get(f"/submissions/{row.token}/edit")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/submissions/{row.token}"
    with pytest.raises(review.ReviewError):
        review.resubmit(site.kb.engine, row.token, NEW_DATA)


def test_a_new_slug_must_be_valid_and_free(site):
    sid = submit(site).id
    editor = site.editor()
    resp = act(editor, sid, "approve", slug=RUFBUS)
    assert resp.status_code == 409 and f"Den Kurznamen „{RUFBUS}“ gibt es schon" in resp.text
    resp = act(editor, sid, "approve", slug="Nicht gültig!")
    assert resp.status_code == 409 and "ist ungültig" in resp.text
    assert site.row(sid).status == "pending"
    assert (site.content / f"{RUFBUS}.md").read_text(encoding="utf-8").count("Kleindorf")


def test_an_invalid_stored_submission_is_not_published(site):
    sid = submit(site).id
    with session_factory(site.kb.engine).begin() as session:
        session.execute(update(SubmissionRow).where(SubmissionRow.id == sid).values(
            data={**NEW_DATA, "state": "XX"}))
    with pytest.raises(ValidationFailed):
        publish.approve(site.kb, sid, EDITOR)
    resp = act(site.editor(), sid, "approve")
    assert resp.status_code == 422 and "Bundesland: unbekannter Wert „XX“" in resp.text
    assert site.row(sid).status == "pending"


# -- kb review -----------------------------------------------------------------------------------
def test_kb_review_list_show_approve_reject(site):
    first, second = submit(site), submit(site, {**NEW_DATA, "title": "Zweiter Baumkataster"})
    obj = {"settings": site.settings, "kb": site.kb}

    def run(*args):
        return CliRunner().invoke(main, ["review", *args], obj=obj)

    listed = run("list")
    assert listed.exit_code == 0 and first.id in listed.output and second.id in listed.output
    assert "eingereicht" in listed.output and "neuer Fall" in listed.output
    shown = run("show", first.id)
    assert shown.exit_code == 0 and "Prüfung: alle Felder gültig" in shown.output
    assert "vorgeschlagener Kurzname: baumkataster-app-fuer-den-bauhof-beispielheim" in \
        shown.output
    assert "title: Baumkataster-App für den Bauhof" in shown.output
    rejected = run("reject", second.id, "--reason", "Doppelt eingereicht.")
    assert rejected.exit_code == 0 and site.row(second.id).status == "rejected"
    with session_factory(site.kb.engine)() as session:
        entry = session.scalars(select(AuditRow).where(AuditRow.action == "rejected")).one()
    assert entry.actor.endswith("(Kommandozeile)") and entry.message == "Doppelt eingereicht."
    approved = run("approve", first.id, "--slug", "baumkataster-cli")
    assert approved.exit_code == 0 and "Veröffentlicht: baumkataster-cli" in approved.output
    assert (site.content / "baumkataster-cli.md").is_file()
    assert site.searchable("Baumkontrolleur Papierlisten", "baumkataster-cli")
    assert run("list").output.count(first.id) == 0
    assert first.id in run("list", "--state", "published").output
    missing = run("approve", "gibt-es-nicht")
    assert missing.exit_code == 1 and "Fehler: Die Einreichung „gibt-es-nicht“" in missing.output
    again = run("reject", first.id, "--reason", "zu spät")
    assert again.exit_code == 1 and "veröffentlicht" in again.output


# -- crashes at each step: nothing acknowledged or published is lost -------------------------
def _assert_intact(site, sid, status):
    row = site.row(sid)
    assert row.status == status and row.data == review.stored_fields(NEW_DATA)


def test_crash_inside_the_journal_transaction_changes_nothing(site):
    sid = submit(site).id
    with mock.patch("kb.publish.audit.record", side_effect=RuntimeError("Stromausfall")), \
            pytest.raises(RuntimeError):
        publish.approve(site.kb, sid, EDITOR)
    _assert_intact(site, sid, "pending")
    assert publish.publication_of(site.kb.engine, sid) is None
    assert not list(site.content.glob("baumkataster*"))


def test_crash_before_the_file_is_written_is_repaired_by_kb_index(site):
    sid = submit(site).id
    with mock.patch("kb.publish.atomic_write_text", side_effect=OSError("Platte voll")), \
            pytest.raises(OSError):
        publish.approve(site.kb, sid, EDITOR, slug="baumkataster-absturz")
    _assert_intact(site, sid, "publishing")
    assert not (site.content / "baumkataster-absturz.md").exists()
    page = site.editor().get(f"/review/{sid}").get_data(as_text=True)
    assert "Veröffentlichung fortsetzen" in page
    result = site.index()
    assert result.exit_code == 0, result.output
    assert "Repariert: unterbrochene Veröffentlichung von „baumkataster-absturz“" in result.output
    assert site.row(sid).status == "published"
    assert read_case_file(site.content / "baumkataster-absturz.md")[1] == []
    assert site.searchable("Baumkontrolleur Papierlisten", "baumkataster-absturz")


def test_torn_write_keeps_the_old_file_and_resumes_from_the_web(site):
    path = site.content / f"{RUFBUS}.md"
    original = path.read_bytes()
    sid = submit(site, {**NEW_DATA, "title": "Rufbus, neu gedacht", "state": "SN",
                        "domains": ["mobilitaet"]}, case_slug=RUFBUS).id
    editor = site.editor()
    with mock.patch("kb.atomic.os.replace", side_effect=OSError("Absturz beim Umbenennen")):
        resp = act(editor, sid, "approve")
    assert resp.status_code == 500 and "Nichts ist verloren" in resp.text
    assert path.read_bytes() == original  # never half-written
    assert [p.name for p in site.content.iterdir() if p.name.startswith(".")] == []
    assert site.row(sid).status == "publishing"
    assert "Veröffentlichung fortsetzen" in editor.get(f"/review/{sid}").text
    assert act(editor, sid, "approve").status_code == 303
    case, _ = read_case_file(path)
    assert case.meta["title"] == "Rufbus, neu gedacht" and site.row(sid).status == "published"
    assert site.app.test_client().get(f"/api/v1/cases/{RUFBUS}").json["title"] == \
        "Rufbus, neu gedacht"


def test_crash_during_the_build_is_repaired_by_kb_index(site):
    sid = submit(site).id
    with mock.patch.object(KnowledgeBase, "build", side_effect=RuntimeError("OOM-Killer")):
        resp = act(site.editor(), sid, "approve", slug="baumkataster-build")
    assert resp.status_code == 500 and "kb index" in resp.text
    path = site.content / "baumkataster-build.md"
    assert read_case_file(path)[1] == []  # the file is complete
    assert site.row(sid).status == "publishing"
    assert not site.searchable("Baumkontrolleur Papierlisten", "baumkataster-build")
    result = site.index()
    assert result.exit_code == 0 and "Repariert" in result.output and "1 neu" in result.output
    assert site.row(sid).status == "published"
    assert site.searchable("Baumkontrolleur Papierlisten", "baumkataster-build")
    assert site.app.test_client().get("/cases/baumkataster-build").status_code == 200


def test_crash_after_the_build_is_finished_without_embedding_again(site):
    sid = submit(site).id
    with mock.patch("kb.publish.finish_publications", side_effect=RuntimeError("kill -9")), \
            pytest.raises(RuntimeError):
        publish.approve(site.kb, sid, EDITOR, slug="baumkataster-ende")
    assert site.row(sid).status == "publishing"
    assert site.searchable("Baumkontrolleur Papierlisten", "baumkataster-ende")
    result = site.index()
    assert "0 Abschnitte berechnet" in result.output and "Repariert" in result.output
    assert site.row(sid).status == "published"
    assert [a for a in site.audit(sid) if a[1] == "published"] == [(EDITOR, "published")]


def test_an_interrupted_edit_is_applied_before_a_later_one(site):
    first = submit(site, {**NEW_DATA, "title": "Rufbus, erste Änderung", "state": "SN",
                          "domains": ["mobilitaet"]}, case_slug=RUFBUS).id
    second = submit(site, {**NEW_DATA, "title": "Rufbus, zweite Änderung", "state": "SN",
                           "domains": ["mobilitaet"]}, case_slug=RUFBUS).id
    with mock.patch("kb.publish.atomic_write_text", side_effect=OSError("weg")), \
            pytest.raises(OSError):
        publish.approve(site.kb, first, EDITOR)
    publish.approve(site.kb, second, EDITOR)
    assert site.row(first).status == site.row(second).status == "published"
    case, _ = read_case_file(site.content / f"{RUFBUS}.md")
    assert case.meta["title"] == "Rufbus, zweite Änderung"
    with session_factory(site.kb.engine)() as session:
        pubs = session.scalars(select(PublicationRow).order_by(PublicationRow.started_at))
        assert [p.submission_id for p in pubs] == [first, second]


def test_every_stored_submission_can_be_written_as_a_case_file():
    data = {**NEW_DATA, "title": "Titel mit\n---\nhack: 1", "summary": "x" * 30 + "\n---"}
    fields = {e.field for e in review.validate_submission(data)}
    assert {"title", "summary"} <= fields
    body_only = {**NEW_DATA, "body_markdown": "---\ntitle: Übernahme\n---\n## Teil\nText"}
    assert review.validate_submission(body_only) == []
    text = publish.proposed_text(body_only, "/nirgends", "fall-test")
    case, problems = parse_case(text, "fall-test")
    assert problems == [] and case.meta["title"] == NEW_DATA["title"]


def test_the_xss_corpus_stays_harmless_through_review_and_publication(site):
    body = "## Ausgangslage\n\n" + "\n\n".join(XSS)
    new = submit(site, {**NEW_DATA, "partners": XSS, "body_markdown": body,
                        "note": XSS[0] + XSS[1]})
    edit = submit(site, {**NEW_DATA, "title": "Rufbus " + XSS[0], "state": "SN",
                         "domains": ["mobilitaet"], "body_markdown": body}, case_slug=RUFBUS)
    editor = site.editor()
    for sid in (new.id, edit.id):
        page = editor.get(f"/review/{sid}").get_data(as_text=True)
        assert "Vorschau" in page
        assert_harmless(page)
        assert act(editor, sid, "comment", XSS[1] + XSS[4]).status_code == 303
    assert "<del>-title: Rufbus auf Abruf" in editor.get(f"/review/{edit.id}").text
    assert_harmless(editor.get(f"/review/{edit.id}").get_data(as_text=True))
    for sid in (new.id, edit.id):
        assert act(editor, sid, "approve", slug="xss-fall").status_code == 303
    visitor = site.app.test_client()
    for slug in ("xss-fall", RUFBUS):
        page = visitor.get(f"/cases/{slug}")
        assert page.status_code == 200
        assert_harmless(page.get_data(as_text=True))
        assert_harmless(visitor.get(f"/api/v1/cases/{slug}").json["body_html"])
    assert_harmless(visitor.get(f"/submissions/{new.token}").get_data(as_text=True))
    assert_harmless(visitor.get("/", query_string={"q": "alert javascript"}).get_data(
        as_text=True))
