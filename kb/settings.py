"""Settings: the only place that reads ``KB_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import SettingsError

DEFAULT_MODEL = "intfloat/multilingual-e5-small"



@dataclass(frozen=True)
class Settings:
    """Every setting with its environment variable and a help line (see README)."""

    content_dir: Path = field(
        default=Path("content/cases"),
        metadata={"env": "KB_CONTENT_DIR", "help": "Verzeichnis der Fall-Dateien (Markdown)."},
    )
    index_dir: Path = field(
        default=Path("indexes"),
        metadata={"env": "KB_INDEX_DIR", "help": "Verzeichnis der Suchindizes und des Manifests."},
    )
    thesaurus: Path | None = field(
        default=None,
        metadata={
            "env": "KB_THESAURUS",
            "help": "Thesaurus-Datei; Standard: thesaurus.yaml im Ordner über KB_CONTENT_DIR.",
        },
    )
    database_url: str | None = field(
        default=None,
        metadata={
            "env": "KB_DATABASE_URL",
            "help": "SQLAlchemy-URL der Datenbank; Standard: SQLite-Datei im Indexverzeichnis.",
        },
    )
    embedding_model: str | None = field(
        default=None,
        metadata={
            "env": "KB_EMBEDDING_MODEL",
            "help": "Hub-Kennung oder lokaler Ordner eines sentence-transformers-Modells.",
        },
    )
    secret_key: str | None = field(
        default=None,
        metadata={
            "env": "KB_SECRET_KEY",
            "help": "Flask-Geheimnis; Standard: wird erzeugt und im Instanzordner gespeichert.",
        },
    )
    instance_dir: Path = field(
        default=Path("instance"),
        metadata={"env": "KB_INSTANCE_DIR", "help": "Ordner für den erzeugten Schlüssel u. Ä."},
    )
    hub_offline: bool = field(
        default=False,
        metadata={
            "env": "HF_HUB_OFFLINE",
            "help": "Kein Zugriff auf den Modell-Hub (1); dann nur lokale oder gebündelte Modelle.",
        },
    )
    hub_endpoint: str = field(
        default="https://huggingface.co",
        metadata={"env": "HF_ENDPOINT", "help": "Adresse des Modell-Hubs."},
    )
    hub_probe_timeout: float = field(
        default=3.0,
        metadata={
            "env": "KB_HUB_TIMEOUT",
            "help": "Sekunden, die die Prüfung der Hub-Erreichbarkeit höchstens dauert.",
        },
    )
    trusted_proxies: int = field(
        default=0,
        metadata={
            "env": "KB_TRUSTED_PROXIES",
            "help": "Zahl der Reverse Proxies vor der Anwendung, deren X-Forwarded-For/-Proto "
                    "gelten (für Sperren je Client und HTTPS-Erkennung); 0 = keiner.",
        },
    )
    testing: bool = field(default=False, metadata={"env": None, "help": "Testmodus."})

    @property
    def thesaurus_path(self) -> Path:
        """The thesaurus file: explicit, or thesaurus.yaml in the folder above the cases."""
        return self.thesaurus or Path(self.content_dir).resolve().parent / "thesaurus.yaml"

    @property
    def database(self) -> str:
        """Return the effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.index_dir / 'kb.sqlite3').resolve()}"

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Settings:
        """Build settings from environment variables, then apply explicit overrides."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            if not name or name not in env or env[name] == "":
                continue
            raw = env[name]
            if f.name.endswith("_dir") or f.name == "thesaurus":
                values[f.name] = Path(raw)
            elif f.name == "hub_offline":
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif f.name == "hub_probe_timeout":
                try:
                    values[f.name] = float(raw)
                except ValueError as exc:
                    raise SettingsError(f"{name}: „{raw}“ ist keine Zahl.") from exc
            elif f.name == "trusted_proxies":
                if not raw.strip().isdigit():
                    raise SettingsError(f"{name}: „{raw}“ ist keine ganze Zahl ≥ 0.")
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    def with_overrides(self, **overrides) -> Settings:
        """Return a copy with some settings replaced."""
        return replace(self, **overrides)

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating and storing one in the instance folder if unset."""
        if self.secret_key:
            return self.secret_key
        path = self.instance_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(key, encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return key


def documented_settings() -> list[tuple[str, str, str]]:
    """Return (variable, default, help) for every setting read from the environment."""
    rows = []
    for f in fields(Settings):
        if f.metadata.get("env"):
            rows.append((f.metadata["env"], str(f.default), f.metadata["help"]))
    return rows
