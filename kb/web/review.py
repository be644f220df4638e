"""Editorial pages: login, the review queue, one submission with its actions."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from .. import audit, auth, publish, review
from ..errors import KbError, ValidationFailed
from . import kb_service
from .submit import LABELS, preview_html, similar_cases

bp = Blueprint("review", __name__)

SESSION_KEY = "editor_session"
STATE_FILTERS = {"offen": ("Offen (alle nicht abgeschlossenen)", review.OPEN_STATES),
                 **{k: (v, (k,)) for k, v in review.STATUS_LABELS.items()},
                 "alle": ("Alle", ())}
AGE_FILTERS = {
    "": ("Jedes Alter", None, None),
    "heute": ("Höchstens 1 Tag alt", None, 1),
    "woche": ("Höchstens 7 Tage alt", None, 7),
    "7": ("Älter als 7 Tage", 7, None),
    "30": ("Älter als 30 Tage", 30, None),
}
ACTION_DONE = {
    "comment": "Der Kommentar ist gespeichert; die einreichende Person sieht ihn.",
    "changes_requested": "Die Rückfrage ist gespeichert; die einreichende Person kann jetzt "
                         "überarbeiten.",
    "rejected": "Die Einreichung ist abgelehnt; die Begründung ist für die einreichende Person "
                "sichtbar.",
}


def current_editor():
    """Return the logged-in editor of this request, or None."""
    if "editor" not in g:
        secret = session.get(SESSION_KEY)
        g.editor = auth.user_for_session(kb_service().engine, secret) if secret else None
    return g.editor


@bp.app_context_processor
def editor_context():
    return {"current_editor": current_editor()}


@bp.app_template_global()
def case_versions(slug: str) -> list:
    """Return a case's completed publications through the review, newest first."""
    try:
        return audit.case_versions(kb_service().engine, slug)
    except Exception:  # a history that cannot be read must not break the page
        current_app.logger.exception("Versionen von %s nicht lesbar", slug)
        return []


def editor_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_editor() is None:
            return redirect(url_for("review.login", next=request.full_path.rstrip("?")),
                            code=303)
        return view(*args, **kwargs)
    return wrapped


def _local(target: str | None) -> str | None:
    """Accept only a path on this site as the place to go after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # no header injection via CR/LF
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


# -- login and logout ---------------------------------------------------------------------------
@bp.route("/review/login", methods=["GET", "POST"])
def login():
    next_url = _local(request.values.get("next")) or url_for("review.queue")
    if request.method == "GET":
        if current_editor() is not None:
            return redirect(next_url, code=303)
        return render_template("review/login.html", email="", error=None, next=next_url)
    email = request.form.get("email", "")
    engine = kb_service().engine
    client = auth.client_key(current_app.config["SECRET_KEY"], request.remote_addr)
    try:
        user = auth.authenticate(engine, email, request.form.get("password", ""), client)
    except KbError as exc:
        return render_template("review/login.html", email=email, error=str(exc),
                               next=next_url), exc.http_status
    old = session.get(SESSION_KEY)
    auth.end_session(engine, old)
    # A fresh session on login: nothing an attacker planted before survives (session fixation).
    session.clear()
    session[SESSION_KEY] = auth.start_session(engine, user)
    session.permanent = True
    g.pop("editor", None)
    flash(f"Sie sind als {user.email} angemeldet.")
    return redirect(next_url, code=303)


@bp.post("/review/logout")
def logout():
    auth.end_session(kb_service().engine, session.get(SESSION_KEY))
    session.clear()
    g.pop("editor", None)
    flash("Sie sind abgemeldet.")
    return redirect(url_for("review.login"), code=303)


# -- feedback on barriers -----------------------------------------------------------------------
@bp.get("/review/rueckmeldungen")
@editor_required
def feedback():
    from ..feedback import list_feedback

    return render_template("review/feedback.html", rows=list_feedback(kb_service().engine))


# -- queue and submission -------------------------------------------------------------------------
@bp.get("/review")
@editor_required
def queue():
    state = request.args.get("state", "offen")
    age = request.args.get("age", "")
    state = state if state in STATE_FILTERS else "offen"
    age = age if age in AGE_FILTERS else ""
    _, min_age, max_age = AGE_FILTERS[age]
    rows = review.list_submissions(kb_service().engine, STATE_FILTERS[state][1], min_age,
                                   max_age)
    return render_template("review/queue.html", rows=rows, state=state, age=age,
                           state_filters=STATE_FILTERS, age_filters=AGE_FILTERS,
                           labels=review.STATUS_LABELS, age_days=review.age_days,
                           messages=get_flashed_messages())


def _show(submission_id: str, *, error: str | None = None, problems=None, form=None,
          status: int = 200):
    kb = kb_service()
    row = review.get_submission(kb.engine, submission_id)
    content = kb.settings.content_dir
    publication = publish.publication_of(kb.engine, row.id)
    slug = (publication.slug if publication else row.case_slug) or publish.suggest_slug(
        row.data, publish.taken_slugs(kb.engine, content))
    return render_template(
        "review/show.html", submission=row, data=row.data, preview_body=preview_html(row.data),
        problems=problems if problems is not None else publish.check_data(row.data),
        similar=similar_cases(row.data.get("title", ""), row.data.get("summary", ""),
                              row.case_slug),
        diff=publish.diff_lines(row, content) if row.case_slug else None,
        history=audit.submission_history(kb.engine, row.id), labels=review.STATUS_LABELS,
        action_labels=audit.ACTION_LABELS, field_labels=LABELS, slug=slug,
        publication=publication, error=error, form=form or {},
        messages=get_flashed_messages(), age_days=review.age_days,
    ), status


@bp.get("/review/<submission_id>")
@editor_required
def show(submission_id: str):
    return _show(submission_id)


@bp.post("/review/<submission_id>")
@editor_required
def act(submission_id: str):
    """Comment, request changes, reject or approve (and publish) a submission."""
    action = request.form.get("action", "")
    message = request.form.get("message", "")
    actor = current_editor().email
    engine = kb_service().engine
    form = {"action": action, "message": message, "slug": request.form.get("slug", "")}
    try:
        if action == "approve":
            pub = publish.approve(kb_service(), submission_id, actor,
                                  slug=request.form.get("slug") or None)
            flash(Markup("Veröffentlicht und sofort auffindbar: <a href=\"{}\">{}</a>").format(
                url_for("pages.case", slug=pub.slug), pub.slug))
        elif action == "comment":
            review.comment(engine, submission_id, actor, message)
            flash(ACTION_DONE[action])
        elif action == "changes_requested":
            review.request_changes(engine, submission_id, actor, message)
            flash(ACTION_DONE[action])
        elif action == "rejected":
            review.reject(engine, submission_id, actor, message)
            flash(ACTION_DONE[action])
        else:
            return _show(submission_id, error="Unbekannte Aktion.", form=form, status=400)
    except ValidationFailed as exc:
        return _show(submission_id, error="Die Einreichung ist so nicht gültig.",
                     problems=[review.FieldError(p.field, p.message) for p in exc.problems],
                     form=form, status=422)
    except (review.ReviewError, review.SubmissionLimit) as exc:
        return _show(submission_id, error=str(exc), form=form, status=exc.http_status)
    except Exception:  # the journal keeps the approval; say how it continues
        if action != "approve":
            raise
        current_app.logger.exception("Veröffentlichung von %s unterbrochen", submission_id)
        return _show(submission_id, error=(
            "Die Veröffentlichung wurde unterbrochen. Nichts ist verloren: Die Freigabe ist "
            "gespeichert und wird mit „Veröffentlichung fortsetzen“ oder „kb index“ "
            "abgeschlossen."), form=form, status=500)
    return redirect(url_for("review.show", submission_id=submission_id), code=303)
