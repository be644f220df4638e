"""The Case type, the front-matter schema and its vocabularies: parse, validate, serialize."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

MUNICIPALITY_TYPES = {
    "gemeinde": "Gemeinde",
    "stadt": "Stadt (kreisangehörig)",
    "kreisfreie-stadt": "Kreisfreie Stadt",
    "kreis": "Kreis / Landkreis",
    "stadtstaat": "Stadtstaat",
    "verband": "Verband",
    "land": "Land",
}
STATES = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
    "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
    "SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}
DOMAINS = {
    "stadtplanung": "Stadt- und Raumplanung",
    "bauen-genehmigen": "Planungs- und Genehmigungsverfahren",
    "mobilitaet": "Mobilität und Verkehr",
    "klimaanpassung": "Klimafolgenanpassung",
    "umwelt": "Umwelt- und Naturmonitoring",
    "energie": "Energie und Wärmeplanung",
    "wasser": "Wasser, Abwasser und Hochwasser",
    "infrastruktur": "Infrastruktur, Leitungen und Straßen",
    "bevoelkerungsschutz": "Katastrophen- und Bevölkerungsschutz",
    "geodaten": "Geodateninfrastruktur und Kataster",
    "beteiligung": "Bürgerbeteiligung und Kommunikation",
    "verwaltung": "Digitale Verwaltung und Datenplattformen",
}
STATUSES = {
    "idee": "Idee",
    "planung": "Planung",
    "pilot": "Pilot",
    "umsetzung": "Umsetzung",
    "betrieb": "Betrieb",
    "abgeschlossen": "Abgeschlossen",
}
RECOMMENDED_SECTIONS = [
    "Ausgangslage", "Ziele", "Umsetzung", "Daten und Technik", "Ergebnisse",
    "Lessons Learned", "Übertragbarkeit",
]
KNOWN_FIELDS = [
    "title", "municipality", "municipality_type", "state", "population", "domains", "tags",
    "status", "started", "summary", "funding", "partners", "standards", "contact", "sources",
    "updated", "license",
]
REQUIRED_FIELDS = [
    "title", "municipality", "municipality_type", "state", "domains", "status", "summary",
    "updated",
]
DEFAULT_LICENSE = "CC-BY-4.0"
SLUG_RE = re.compile(r"^[a-z0-9-]{3,80}$")
STARTED_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One rule a case breaks: where, which field, why (German)."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


@dataclass
class Case:
    """A validated case: normalized front matter plus the Markdown body."""

    slug: str
    meta: dict
    body: str
    path: str = ""
    source_hash: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.meta["title"]

    def to_dict(self) -> dict:
        """Front matter as JSON-ready data, unknown fields included, plus the slug."""
        return {"slug": self.slug, **self.meta, **self.extra}


def is_case_file(path: Path) -> bool:
    """Case files are ``*.md``; names starting with ``_`` (templates) and README are skipped."""
    return (
        path.suffix == ".md"
        and not path.name.startswith(("_", "."))
        and path.name.lower() != "readme.md"
    )


def split_front_matter(text: str) -> tuple[str | None, str]:
    """Split ``---`` delimited YAML front matter from the body; None if there is none."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]).lstrip("\n")
    return None, text


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_str(meta, name, problems, lo=1, hi=None):
    value = meta.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append((name, "muss ein nicht leerer Text sein"))
        return
    n = len(value.strip())
    if n < lo or (hi is not None and n > hi):
        problems.append((name, f"muss {lo} bis {hi} Zeichen lang sein, hat {n}"))


def _check_enum(meta, name, vocab, problems):
    value = meta.get(name)
    if value not in vocab:
        allowed = ", ".join(vocab)
        problems.append((name, f"unbekannter Wert „{value}“; erlaubt: {allowed}"))


def validate_meta(meta: dict) -> list[tuple[str, str]]:
    """Check front matter against CASE_FORMAT.md; return (field, reason) for each problem."""
    problems: list[tuple[str, str]] = []
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", []):
            problems.append((name, "Pflichtfeld fehlt"))
    present = {k for k in REQUIRED_FIELDS if meta.get(k) not in (None, "", [])}

    if "title" in present:
        _check_str(meta, "title", problems, 5, 160)
    if "municipality" in present:
        _check_str(meta, "municipality", problems, 2, 200)
    if "municipality_type" in present:
        _check_enum(meta, "municipality_type", MUNICIPALITY_TYPES, problems)
    if "state" in present:
        _check_enum(meta, "state", STATES, problems)
    if "status" in present:
        _check_enum(meta, "status", STATUSES, problems)
    if "summary" in present:
        _check_str(meta, "summary", problems, 20, 400)
    if "domains" in present:
        domains = meta["domains"]
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            problems.append(("domains", "muss eine Liste von Handlungsfeldern sein"))
        else:
            if not 1 <= len(domains) <= 4:
                problems.append(
                    ("domains", f"1 bis 4 Handlungsfelder erlaubt, sind {len(domains)}")
                )
            unknown = [d for d in domains if d not in DOMAINS]
            if unknown:
                problems.append((
                    "domains",
                    f"unbekanntes Handlungsfeld „{', '.join(unknown)}“; erlaubt: "
                    + ", ".join(DOMAINS),
                ))
            if len(set(domains)) != len(domains):
                problems.append(("domains", "enthält ein Handlungsfeld doppelt"))
    if "updated" in present and _parse_date(meta["updated"]) is None:
        problems.append(("updated", "muss ein Datum im Format JJJJ-MM-TT sein"))

    if meta.get("population") is not None:
        pop = meta["population"]
        if isinstance(pop, bool) or not isinstance(pop, int) or pop <= 0:
            problems.append(("population", "muss eine positive ganze Zahl sein"))
    if meta.get("tags") is not None:
        tags = meta["tags"]
        if not _is_str_list(tags):
            problems.append(("tags", "muss eine Liste von Stichwörtern sein"))
        elif any(t != t.lower() for t in tags):
            problems.append(("tags", "Stichwörter müssen kleingeschrieben sein"))
    if meta.get("started") is not None and _parse_started(meta["started"]) is None:
        problems.append(("started", "muss JJJJ oder JJJJ-MM sein"))
    for name in ("funding", "license"):
        if meta.get(name) is not None and (
            not isinstance(meta[name], str) or not meta[name].strip()
        ):
            problems.append((name, "muss ein Text sein"))
    for name in ("partners", "standards"):
        if meta.get(name) is not None and not _is_str_list(meta[name]):
            problems.append((name, "muss eine Liste von Texten sein"))
    if meta.get("sources") is not None:
        sources = meta["sources"]
        if not isinstance(sources, list):
            problems.append(("sources", "muss eine Liste von Adressen (URLs) sein"))
        else:
            for url in sources:
                if not is_http_url(url):
                    problems.append(("sources", f"„{url}“ ist keine http(s)-Adresse"))
    if meta.get("contact") is not None:
        problems.extend(_validate_contact(meta["contact"]))
    return problems


def _validate_contact(contact) -> list[tuple[str, str]]:
    if not isinstance(contact, dict):
        return [("contact", "muss die Angaben name, role und email enthalten")]
    problems = []
    unknown = sorted(set(contact) - {"name", "role", "email"})
    if unknown:
        problems.append(("contact", f"unbekannte Angabe „{', '.join(unknown)}“"))
    for key in ("name", "role", "email"):
        value = contact.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append((f"contact.{key}", "muss ein Text sein"))
    email = contact.get("email")
    if isinstance(email, str) and email.strip() and not EMAIL_RE.match(email.strip()):
        problems.append(("contact.email", f"„{email}“ ist keine gültige E-Mail-Adresse"))
    if not any(isinstance(contact.get(k), str) and contact[k].strip() for k in contact):
        problems.append(("contact", "ist leer"))
    return problems


def is_http_url(url) -> bool:
    """True for absolute http(s) URLs with a host."""
    if not isinstance(url, str):
        return False
    parsed = urlparse(url.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in url.strip()


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parse_started(value) -> str | None:
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    m = STARTED_RE.match(text)
    if not m:
        return None
    year, month = int(m.group(1)), m.group(2)
    if not 1900 <= year <= 2100 or (month is not None and not 1 <= int(month) <= 12):
        return None
    return text


def normalize_meta(meta: dict) -> tuple[dict, dict]:
    """Return (known fields normalized for JSON, unknown fields) of valid front matter."""
    known = {}
    for name in KNOWN_FIELDS:
        if meta.get(name) is None:
            continue
        value = meta[name]
        if name == "updated":
            value = _parse_date(value).isoformat()
        elif name == "started":
            value = _parse_started(value)
        elif isinstance(value, str):
            value = value.strip()
        known[name] = value
    known.setdefault("license", DEFAULT_LICENSE)
    known.setdefault("tags", [])
    extra = {k: _jsonable(v) for k, v in meta.items() if k not in KNOWN_FIELDS}
    return known, extra


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def parse_case(text: str, slug: str, path: str = "") -> tuple[Case | None, list[Problem]]:
    """Parse one case file's text; return the case or None, and every problem found."""
    where = path or slug
    problems: list[Problem] = []
    if not SLUG_RE.match(slug):
        problems.append(Problem(
            where, "slug",
            "Dateiname muss 3 bis 80 Zeichen aus a-z, 0-9 und - haben (z. B. stadt-beispiel.md)",
        ))
    raw, body = split_front_matter(text)
    if raw is None:
        problems.append(Problem(where, "front matter", "fehlt: Datei muss mit --- beginnen"))
        return None, problems
    try:
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (Zeile {mark.line + 2})" if mark is not None else ""
        problems.append(Problem(where, "front matter", f"ist kein gültiges YAML{line}"))
        return None, problems
    if not isinstance(meta, dict):
        problems.append(Problem(where, "front matter", "muss Felder der Form name: wert enthalten"))
        return None, problems
    meta = {str(k): v for k, v in meta.items()}
    problems.extend(Problem(where, f, m) for f, m in validate_meta(meta))
    if not body.strip():
        problems.append(Problem(where, "body", "Falltext fehlt"))
    if problems:
        return None, problems
    known, extra = normalize_meta(meta)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Case(slug, known, body.strip() + "\n", path, digest, extra), []


def read_case_file(path: Path) -> tuple[Case | None, list[Problem]]:
    """Read and parse one file; unreadable files become problems, not exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(path), "datei", "ist nicht UTF-8-kodiert")]
    except OSError as exc:
        return None, [Problem(str(path), "datei", f"kann nicht gelesen werden ({exc.strerror})")]
    return parse_case(text, path.stem, str(path))


def load_cases(directory: Path) -> tuple[list[Case], list[Problem]]:
    """Load every case file of a directory; report all problems of all files at once."""
    directory = Path(directory)
    if not directory.is_dir():
        return [], [Problem(str(directory), "verzeichnis", "existiert nicht")]
    cases, problems = [], []
    for path in sorted(directory.glob("*.md")):
        if not is_case_file(path):
            continue
        case, found = read_case_file(path)
        problems.extend(found)
        if case is not None:
            cases.append(case)
    return cases, problems


def serialize_case(meta: dict, body: str) -> str:
    """Render front matter and body as a case file (the inverse of parse_case)."""
    ordered = {k: meta[k] for k in KNOWN_FIELDS if meta.get(k) not in (None, [], "")}
    ordered.update({k: v for k, v in meta.items() if k not in KNOWN_FIELDS and k != "slug"})
    front = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{body.strip()}\n"
