"""What every export shows: a collection and its cases, prepared once from database rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from .keypoints import key_points, section_paragraphs

GENERATOR = "Praxisatlas Digitale Zwillinge"
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
SECTION_CHARS = 1400


@dataclass(frozen=True)
class ExportCase:
    """One case as it appears on a slide, in the handout and in the data exports."""

    position: int
    slug: str
    title: str
    municipality: str
    municipality_type: str
    state: str
    population: int | None
    status: str
    domains: list[str]
    summary: str
    key_points: list[str]
    note: str
    sources: list[str]
    results: list[str]
    lessons: list[str]
    url: str
    meta: dict = field(default_factory=dict)

    @property
    def place(self) -> str:
        """Return "Municipality, Bundesland"."""
        return f"{self.municipality}, {self.state}"

    @property
    def facts(self) -> list[tuple[str, str]]:
        """Return the full metadata as German (label, value) pairs, empty ones left out."""
        meta = self.meta
        contact = meta.get("contact") or {}
        rows = [
            ("Kommune", f"{self.municipality} ({self.municipality_type})"),
            ("Bundesland", self.state),
            ("Einwohner", format_number(self.population) if self.population else ""),
            ("Projektstand", self.status),
            ("Handlungsfelder", ", ".join(self.domains)),
            ("Beginn", str(meta.get("started") or "")),
            ("Förderung", str(meta.get("funding") or "")),
            ("Partner", ", ".join(meta.get("partners") or [])),
            ("Standards", ", ".join(meta.get("standards") or [])),
            ("Stichwörter", ", ".join(meta.get("tags") or [])),
            ("Ansprechperson", " – ".join(str(v) for v in (contact.get("role"),
                                                            contact.get("name"),
                                                            contact.get("email")) if v)),
            ("Stand", format_date(meta.get("updated"))),
            ("Lizenz", str(meta.get("license") or "CC-BY-4.0")),
        ]
        return [(label, value) for label, value in rows if value]


@dataclass(frozen=True)
class CollectionExport:
    """A collection with its cases in order, ready to render in any format."""

    id: str
    title: str
    description: str
    event_date: str
    cases: list[ExportCase]
    missing: list[str]
    created: dt.date
    share_url: str = ""

    @property
    def date_label(self) -> str:
        """Return the event date in German long form, or ''."""
        return format_date(self.event_date)

    @property
    def colophon(self) -> str:
        """Return the line that says how the export was made."""
        return (f"Erstellt mit dem {GENERATOR} am {format_date(self.created.isoformat())}. "
                "Inhalte der Fälle: jeweilige Lizenz (meist CC BY 4.0), Quellen siehe oben.")


def format_number(value: int) -> str:
    """Format an integer with German thousands separators (64.000)."""
    return f"{value:,}".replace(",", ".")


def format_date(value) -> str:
    """Format an ISO date (YYYY-MM-DD or YYYY-MM) as German text ("1. Mai 2026")."""
    if not value:
        return ""
    text = str(value)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            month = int(parts[1])
            if 1 <= month <= 12:
                return f"{MONTHS[month - 1]} {parts[0]}"
        return text
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def export_case(position: int, case: dict, note: str, base_url: str = "") -> ExportCase:
    """Turn a case (front matter + body_markdown) into what the exports show."""
    body = case.get("body_markdown", "")
    url = f"{base_url.rstrip('/')}/cases/{case['slug']}" if base_url else ""
    return ExportCase(
        position=position,
        slug=case["slug"],
        title=case["title"],
        municipality=case["municipality"],
        municipality_type=MUNICIPALITY_TYPES.get(case["municipality_type"],
                                                 case["municipality_type"]),
        state=STATES.get(case["state"], case["state"]),
        population=case.get("population"),
        status=STATUSES.get(case["status"], case["status"]),
        domains=[DOMAINS.get(d, d) for d in case.get("domains", [])],
        summary=case.get("summary", ""),
        key_points=key_points(body, case.get("summary", "")),
        note=note or "",
        sources=list(case.get("sources") or []),
        results=section_paragraphs(body, "Ergebnisse", SECTION_CHARS),
        lessons=section_paragraphs(body, "Lessons Learned", SECTION_CHARS),
        url=url,
        meta={k: v for k, v in case.items() if k != "body_markdown"},
    )


def assemble(row, cases: dict[str, dict], base_url: str = "",
             today: dt.date | None = None) -> CollectionExport:
    """Combine a collection row with its published cases (slug → case dict with body)."""
    prepared, missing = [], []
    for item in row.items:
        case = cases.get(item["slug"])
        if case is None:
            missing.append(item["slug"])
            continue
        prepared.append(export_case(len(prepared) + 1, case, item.get("note", ""), base_url))
    share = f"{base_url.rstrip('/')}/collections/{row.id}" if base_url else ""
    return CollectionExport(
        id=row.id,
        title=row.title,
        description=row.description or "",
        event_date=getattr(row, "event_date", None) or "",
        cases=prepared,
        missing=missing,
        created=today or dt.date.today(),
        share_url=share,
    )
