"""The ``kb`` command: a thin shell over the KnowledgeBase service."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from .errors import KbError
from .settings import Settings

if TYPE_CHECKING:
    from .service import KnowledgeBase


class KbCommandError(click.ClickException):
    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"Fehler: {self.format_message()}", err=True)


def _service(ctx) -> KnowledgeBase:
    """The process's one KnowledgeBase, imported lazily (torch is slow to import)."""
    obj = ctx.ensure_object(dict)
    if "kb" not in obj:
        from .service import KnowledgeBase

        obj["kb"] = KnowledgeBase(obj["settings"])
    return obj["kb"]


def _run(fn):
    try:
        return fn()
    except KbError as exc:
        raise KbCommandError(str(exc)) from exc


@click.group(help="Praxisatlas Digitale Zwillinge: Wissensbasis kommunaler Praxisbeispiele.")
@click.version_option(package_name="kb")
@click.pass_context
def main(ctx):
    logging.basicConfig(level=logging.WARNING, format="Hinweis: %(message)s")
    ctx.ensure_object(dict)
    if "settings" not in ctx.obj:
        ctx.obj["settings"] = _run(Settings.from_env)


@main.command(help="Prüft alle Fall-Dateien und meldet jedes Problem als „Pfad: Feld: Grund“.")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx, directory):
    from .cases import load_cases

    directory = directory or ctx.obj["settings"].content_dir
    cases, problems = load_cases(directory)
    for problem in problems:
        click.echo(str(problem))
    files = len({p.path for p in problems})
    if problems:
        click.echo(
            f"{len(cases)} Fälle gültig, {len(problems)} Probleme in {files} Dateien.", err=True
        )
        ctx.exit(1)
    click.echo(f"{len(cases)} Fälle geprüft, alle gültig.", err=True)


@main.command(help="Baut oder aktualisiert die Suchindizes aus KB_CONTENT_DIR.")
@click.option("--rebuild", is_flag=True, help="Alles neu berechnen statt nur Änderungen.")
@click.pass_context
def index(ctx, rebuild):
    kb = _service(ctx)
    settings = ctx.obj["settings"]
    click.echo(f"Lese Fälle aus {settings.content_dir} …", err=True)
    report = _run(lambda: _reconciled_build(kb, rebuild))
    click.echo(
        f"Index (Generation {report.generation}): {len(report.added)} neu, "
        f"{len(report.updated)} geändert, {len(report.removed)} entfernt, "
        f"{len(report.unchanged)} unverändert; {report.chunks_embedded} Abschnitte berechnet, "
        f"{report.chunks_total} insgesamt; {report.seconds:.1f} s.",
        err=True,
    )
    if report.problems:
        click.echo("Diese Dateien wurden übersprungen, weil sie ungültig sind:", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        ctx.exit(1)


def _reconciled_build(kb, rebuild: bool):
    """Build, first completing approvals that a crash interrupted (files, database, index)."""
    from .publish import reconciling

    with reconciling(kb) as fixed:
        report = kb.build(rebuild=rebuild, progress=True, echo=lambda m: click.echo(m, err=True))
    for pub in fixed.finished:
        click.echo(f"Repariert: unterbrochene Veröffentlichung von „{pub.slug}“ "
                   f"(Einreichung {pub.submission_id}) abgeschlossen.", err=True)
    for pub in fixed.written:
        if pub not in fixed.finished:
            click.echo(f"Achtung: Die Veröffentlichung von „{pub.slug}“ (Einreichung "
                       f"{pub.submission_id}) ist noch nicht abgeschlossen.", err=True)
    return report


def _filter_options(fn):
    fn = click.option("--status", "status", multiple=True, type=click.Choice(list(STATUSES)),
                      help="Projektstand (mehrfach möglich).")(fn)
    fn = click.option("--type", "type_", multiple=True, type=click.Choice(list(MUNICIPALITY_TYPES)),
                      help="Art der Kommune (mehrfach möglich).")(fn)
    fn = click.option("--state", multiple=True, type=click.Choice(list(STATES)),
                      help="Bundesland (mehrfach möglich).")(fn)
    fn = click.option("--domain", multiple=True, type=click.Choice(list(DOMAINS)),
                      help="Handlungsfeld (mehrfach möglich).")(fn)
    return fn


@main.command(help="Sucht Fälle und gibt sie nach Relevanz geordnet aus.")
@click.argument("query")
@click.option("--top-k", default=10, show_default=True, help="Anzahl der Treffer.")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Dasselbe JSON-Objekt wie die API.")
@click.pass_context
def search(ctx, query, top_k, domain, state, type_, status, as_json):
    kb = _service(ctx)
    filters = {"domain": domain, "state": state, "type": type_, "status": status}
    result = _run(lambda: kb.search(query, top_k, {k: list(v) for k, v in filters.items() if v}))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if result.get("only_similar"):
        scope = "Kein Fall mit diesen Filtern" if result["filters"] else "Kein Fall"
        click.echo(f"Keine Treffer für „{result['query']}“ ({result['took_ms']} ms)")
        click.echo(f"{scope} enthält eines der Suchwörter. Die folgenden ähneln der Anfrage nur "
                   "inhaltlich (Vektorsuche) und passen womöglich nicht.")
    else:
        click.echo(f"{result['total']} Treffer für „{result['query']}“ ({result['took_ms']} ms)")
    if result.get("corrections"):
        click.echo("Unbekannte Wörter, gesucht wurde auch nach: "
                   + ", ".join(result["corrections"]))
    if result.get("expansions"):
        click.echo("Auch gesucht nach: " + ", ".join(result["expansions"]))
    for rank, hit in enumerate(result["results"], 1):
        click.echo(f"\n{rank}. {hit['title']}")
        click.echo(f"   {hit['municipality']} ({STATES[hit['state']]}) · "
                   f"{STATUSES[hit['status']]} · " + ", ".join(DOMAINS[d] for d in hit["domains"]))
        for snip in hit["snippets"][:1]:
            click.echo(f"   [{snip['section']}] {snip['text']}")
        click.echo(f"   → {hit['slug']}  (Score {hit['score']:.4f})")


@main.command(help="Zeigt Modell, Dimension, Anzahl der Fälle und Abschnitte und das Indexalter.")
@click.pass_context
def info(ctx):
    kb = _service(ctx)
    data = _run(kb.info)
    settings = ctx.obj["settings"]
    click.echo(f"Modell:        {data['model']} ({data['model_source']})")
    click.echo(f"Dimension:     {data['dimension']} (max. {data['max_tokens']} Token je Abschnitt)")
    click.echo(f"Fälle:         {data['cases']}")
    click.echo(f"Abschnitte:    {data['chunks']}")
    if data["vector_index"]:
        kind = "exakt" if data["vector_index"] == "exact" else "approximativ (IVF)"
        click.echo(f"Vektorsuche:   {kind}")
    if data["built_at"]:
        built = dt.datetime.fromisoformat(data["built_at"])
        age = dt.datetime.now(dt.UTC) - built
        click.echo(f"Index gebaut:  {data['built_at']} (vor {_age(age)}), "
                   f"Generation {data['generation']}")
        if data["index_model"] != data["model"]:
            click.echo(f"Achtung: Der Index wurde mit {data['index_model']} gebaut. "
                       "Bitte „kb index --rebuild“ ausführen.")
    else:
        click.echo("Index gebaut:  noch nie – bitte „kb index“ ausführen.")
    click.echo(f"Fall-Dateien:  {settings.content_dir}")
    click.echo(f"Indexordner:   {settings.index_dir}")


def _age(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} Sekunden"
    if seconds < 7200:
        return f"{seconds // 60} Minuten"
    if seconds < 172800:
        return f"{seconds // 3600} Stunden"
    return f"{seconds // 86400} Tagen"


@main.command("eval", help="Misst nDCG@10, Recall@10 und MRR für bewertete Anfragen.")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--compare", is_flag=True, help="Auch nur Volltext und nur Vektorsuche messen.")
@click.option("--json", "as_json", is_flag=True, help="Ergebnisse als JSON.")
@click.pass_context
def eval_command(ctx, queries, compare, as_json):
    from .evaluation import evaluate, load_judgments

    kb = _service(ctx)
    judged = _run(lambda: load_judgments(queries))
    searcher = _run(lambda: kb.searcher)
    modes = ["lexical", "dense", "fused"] if compare else ["fused"]
    results = {m: evaluate(searcher, judged, m) for m in modes}
    if as_json:
        slim = {m: {k: v for k, v in r.items() if k != "rows"} for m, r in results.items()}
        click.echo(json.dumps(slim, ensure_ascii=False, indent=2))
        return
    w = searcher.weights
    click.echo(f"{len(judged)} Anfragen, Modell {kb.embedder.name}, "
               f"Fusion lexikalisch {w.lexical} / dicht {w.dense}")
    click.echo(f"{'Verfahren':<10} {'nDCG@10':>8} {'Recall@10':>10} {'MRR':>7} "
               f"{'p50 ms':>8} {'p95 ms':>8}")
    for mode, r in results.items():
        click.echo(f"{mode:<10} {r['ndcg']:>8.3f} {r['recall']:>10.3f} {r['mrr']:>7.3f} "
                   f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}")
    categories = sorted(next(iter(results.values()))["categories"])
    if len(categories) > 1:
        click.echo("\nnDCG@10 nach Kategorie:")
        click.echo(f"{'Kategorie':<12}" + "".join(f"{m:>10}" for m in results))
        for cat in categories:
            click.echo(f"{cat:<12}" + "".join(
                f"{results[m]['categories'][cat]['ndcg']:>10.3f}" for m in results))


@main.command(help="Startet den Entwicklungsserver (Produktion: gunicorn wsgi:app).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def serve(ctx, host, port):
    from .web import create_app

    kb = _service(ctx)
    app = create_app(ctx.obj["settings"], kb=kb)
    click.echo("Lade Modell und Index …", err=True)
    _run(lambda: kb.searcher)
    click.echo(f"Praxisatlas läuft: Öffnen Sie http://{host}:{port}/ im Browser "
               "(Beenden mit Strg+C).", err=True)
    os.environ.setdefault("FLASK_DEBUG", "0")
    app.run(host=host, port=port, debug=False, use_reloader=False)


# ignore_unknown_options: ids of older collections may begin with "-"
# (``kb export -6Fq… --format pdf``); they are taken as the id, not as options.
@main.command("export", help="Speichert eine Mappe als Präsentation, Handout oder Daten.",
              context_settings={"ignore_unknown_options": True})
@click.argument("collection_id")
@click.option("--format", "fmt", required=True, type=click.Choice(["pptx", "pdf", "md", "csv"]),
              help="pptx: Präsentation, pdf: Handout, md: Markdown, csv: Tabelle.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Zieldatei; wird erst nach vollständigem Schreiben ersetzt.")
@click.option("--base-url", default="", help="Adresse der Website für Links, z. B. "
              "https://praxisatlas.example.de (ohne Angabe: nur die Originalquellen).")
@click.pass_context
def export_command(ctx, collection_id, fmt, output, base_url):
    from .atomic import atomic_write
    from .export import load_export, render

    kb = _service(ctx)
    prepared = _run(lambda: load_export(kb, collection_id, base_url=base_url))
    data = _run(lambda: render(prepared, fmt))
    atomic_write(output, lambda tmp: tmp.write_bytes(data))
    click.echo(f"Mappe „{prepared.title}“ mit {len(prepared.cases)} Fällen als {fmt} "
               f"gespeichert: {output}", err=True)
    if prepared.missing:
        click.echo("Nicht mehr veröffentlicht und daher ausgelassen: "
                   + ", ".join(prepared.missing), err=True)


@main.group(help="Konten der Redaktion verwalten.")
def user():
    pass


@user.command("add", help="Legt ein Konto an; das Passwort wird abgefragt (argon2id-Hash).")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["editor", "admin"]),
              help="editor: Redaktion, admin: Administration.")
@click.option("--password-stdin", is_flag=True, help="Passwort aus der ersten Zeile der "
              "Standardeingabe lesen (für Skripte).")
@click.pass_context
def user_add(ctx, email, role, password_stdin):
    from .auth import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    row = _run(lambda: add_user(_service(ctx).engine, email, password, role))
    click.echo(f"Konto {row.email} ({role}) angelegt.", err=True)


@main.group(help="Einreichungen prüfen (dieselben Aktionen wie unter /review).")
def review():
    pass


def _cli_actor() -> str:
    import getpass

    return f"{getpass.getuser()} (Kommandozeile)"


@review.command("list", help="Listet Einreichungen, die älteste zuerst.")
@click.option("--state", "states", multiple=True,
              type=click.Choice(["pending", "in_review", "changes_requested", "publishing",
                                 "published", "rejected"]),
              help="Nur diese Stände (mehrfach möglich); Standard: alle offenen.")
@click.pass_context
def review_list(ctx, states):
    from .review import OPEN_STATES, STATUS_LABELS, age_days, list_submissions

    rows = list_submissions(_service(ctx).engine, states or OPEN_STATES)
    for row in rows:
        kind = f"Änderung an {row.case_slug}" if row.case_slug else "neuer Fall"
        click.echo(f"{row.id}  {STATUS_LABELS[row.status]:<20} {age_days(row):>3} Tage  "
                   f"{row.data.get('title', '')} ({row.data.get('municipality', '')}; {kind})")
    click.echo(f"{len(rows)} Einreichungen.", err=True)


@review.command("show", help="Zeigt eine Einreichung mit Prüfergebnis, Verlauf und Änderungen.")
@click.argument("submission_id")
@click.pass_context
def review_show(ctx, submission_id):
    from .audit import ACTION_LABELS, submission_history
    from .publish import check_data, diff_lines, proposed_text, suggest_slug, taken_slugs
    from .review import STATUS_LABELS, get_submission

    kb = _service(ctx)
    row = _run(lambda: get_submission(kb.engine, submission_id))
    content = kb.settings.content_dir
    click.echo(f"Einreichung {row.id}: {row.data.get('title', '')}")
    click.echo(f"Stand: {STATUS_LABELS[row.status]}; eingereicht {row.created_at:%d.%m.%Y %H:%M}")
    problems = check_data(row.data)
    click.echo("Prüfung: " + ("alle Felder gültig" if not problems else
                              "; ".join(f"{p.field}: {p.message}" for p in problems)))
    click.echo("Verlauf:")
    for entry in submission_history(kb.engine, row.id):
        message = f" – {entry.message}" if entry.message else ""
        click.echo(f"  {entry.at:%d.%m.%Y %H:%M} {entry.actor}: "
                   f"{ACTION_LABELS.get(entry.action, entry.action)}{message}")
    if row.case_slug:
        click.echo(f"Änderungen an {row.case_slug}:")
        click.echo("\n".join(diff_lines(row, content)) or "  (keine)")
    else:
        slug = suggest_slug(row.data, taken_slugs(kb.engine, content))
        click.echo(f"Neuer Fall, vorgeschlagener Kurzname: {slug}\n")
        click.echo(proposed_text(row.data, content, slug))


@review.command("approve", help="Gibt eine Einreichung frei und veröffentlicht sie sofort.")
@click.argument("submission_id")
@click.option("--slug", help="Kurzname eines neuen Falls (Standard: aus Titel und Kommune).")
@click.pass_context
def review_approve(ctx, submission_id, slug):
    from .publish import approve

    kb = _service(ctx)
    pub = _run(lambda: approve(kb, submission_id, _cli_actor(), slug=slug))
    click.echo(f"Veröffentlicht: {pub.slug} ({kb.settings.content_dir}/{pub.slug}.md); "
               "der Fall ist sofort auffindbar.", err=True)


@review.command("reject", help="Lehnt eine Einreichung mit Begründung ab.")
@click.argument("submission_id")
@click.option("--reason", required=True, help="Begründung; die einreichende Person liest sie.")
@click.pass_context
def review_reject(ctx, submission_id, reason):
    from .review import reject

    _run(lambda: reject(_service(ctx).engine, submission_id, _cli_actor(), reason))
    click.echo(f"Einreichung {submission_id} abgelehnt.", err=True)


@main.group(help="Datenbank: Schema auf den neuesten Stand bringen.")
def db():
    pass


@db.command("upgrade", help="Führt die Schema-Migrationen aus (SQLite und PostgreSQL).")
@click.pass_context
def db_upgrade(ctx):
    from .db import make_engine
    from .migrate import upgrade

    engine = make_engine(ctx.obj["settings"].database)
    try:
        before, after = _run(lambda: upgrade(engine))
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"Die Datenbank ist aktuell (Revision {after}).")
    else:
        click.echo(f"Datenbank aktualisiert: Revision {before or 'keine'} → {after}.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
