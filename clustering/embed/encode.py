"""Embedding a list of texts: bounded, batched by length, with progress and Cancel, cached by content and model.

The cache key is the texts' fingerprint with the model's spec, version and token limit, so the same column
embedded by the same model is read back (npz, never a pickle) instead of computed again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from clustering.cache import atomic_write, cache_dir
from clustering.embed.models import TextModel, load_model
from clustering.limits import TEXT_MAX_CHARS
from clustering.progress import Progress, check_cancel

# texts per batch, fixed (so the same texts give the same bits on one machine), small enough that a batch takes
# well under a second and Cancel answers within one: MiniLM reads up to 256 tokens a text, WordLlama only looks up
BATCH_TEXTS = {"fast": 2048}
DEFAULT_BATCH_TEXTS = 32


@dataclass
class Embedding:
    """What an embedding did: the model, how many texts were cut to its limit, and how long it took."""

    model: dict  # TextModel.describe()
    key: str  # the texts' and model's content key (the cache's name, and the dataset's fingerprint)
    column: str
    rows: int
    dims: int
    truncated: int
    seconds: float
    cached: bool
    texts_per_second: float
    dropped: list[int] = field(default_factory=list)  # rows left out as empty (0-based, of the file)

    def to_json(self) -> dict:
        """Provenance as JSON-ready values (the dropped rows counted, not listed)."""
        return {
            **self.model,
            "key": self.key,
            "column": self.column,
            "rows": self.rows,
            "dims": self.dims,
            "truncated": self.truncated,
            "dropped": len(self.dropped),
            "seconds": round(self.seconds, 3),
            "cached": self.cached,
        }

    def note(self) -> str:
        """One line saying what was embedded, with what, and what was cut."""
        speed = "read from the cache" if self.cached else f"{self.texts_per_second:,.0f} texts/s"
        cut = (
            f"; {self.truncated:,} text(s) longer than the model's {self.model['max_tokens']} tokens were cut"
            if self.truncated
            else ""
        )
        dropped = f"; {len(self.dropped):,} empty row(s) left out" if self.dropped else ""
        return (
            f"embedded the text column '{self.column}' ({self.rows:,} texts) with {self.model['name']} "
            f"({self.dims} dimensions, {speed}){cut}{dropped}"
        )


def embed_texts(
    texts: list[str],
    model: str | TextModel | None = None,
    *,
    column: str = "text",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> tuple[np.ndarray, Embedding]:
    """Embed `texts` (each cut at TEXT_MAX_CHARS characters, then at the model's token limit).

    Parameters
    ----------
    texts : list of str
        The documents, none empty (the loader refuses or drops empty ones first).
    model : str or TextModel, optional
        ``minilm`` (default), ``fast``, a local model folder, or a loaded model.
    progress, cancel
        ``progress(stage, share)`` with texts per second and time left; Cancel is checked between batches.

    Returns
    -------
    vectors : ndarray of float32, (len(texts), dims), unit length
    embedding : Embedding
    """
    started = time.perf_counter()
    loaded = model if isinstance(model, TextModel) else load_model(model)
    limit = TEXT_MAX_CHARS.whole()
    bounded = [t[:limit] for t in texts]
    key = _key(bounded, loaded, limit)
    path = cache_dir("embeddings") / f"embed-{key}.npz"
    if use_cache:
        found = _read_cache(path, len(texts))
        if found is not None:
            vectors, truncated = found
            seconds = time.perf_counter() - started
            info = Embedding(
                loaded.describe(), key, column, len(texts), vectors.shape[1], truncated, seconds, True, 0.0
            )
            return vectors, info
    encoding = time.perf_counter()
    vectors, truncated = _encode(bounded, texts, loaded, progress, cancel)
    seconds = time.perf_counter() - started
    speed = len(texts) / max(time.perf_counter() - encoding, 1e-9)
    if use_cache:
        atomic_write(path, lambda temporary: np.savez(temporary, vectors=vectors, truncated=np.int64(truncated)))
    info = Embedding(loaded.describe(), key, column, len(texts), vectors.shape[1], truncated, seconds, False, speed)
    return vectors, info


def _encode(
    bounded: list[str], texts: list[str], model: TextModel, progress: Progress | None, cancel: threading.Event | None
) -> tuple[np.ndarray, int]:
    """Encode in fixed-size batches of similar length (little padding)."""
    n = len(bounded)
    order = np.argsort([len(t) for t in bounded], kind="stable")
    vectors: np.ndarray | None = None
    truncated = sum(len(t) > len(b) for t, b in zip(texts, bounded, strict=True))
    start, size, began = 0, BATCH_TEXTS.get(model.spec, DEFAULT_BATCH_TEXTS), time.perf_counter()
    while start < n:
        check_cancel(cancel, f"embedding text {start + 1:,} of {n:,}")
        rows = order[start : start + size]
        batch = [bounded[i] for i in rows]
        encoded = model.encode(batch)
        counts = model.token_counts([b for i, b in zip(rows, batch, strict=True) if len(texts[i]) == len(b)])
        truncated += int((counts > model.max_tokens).sum())
        if vectors is None:
            vectors = np.empty((n, encoded.shape[1]), dtype=np.float32)
        vectors[rows] = encoded
        start += len(rows)
        if progress is not None:
            elapsed = time.perf_counter() - began
            speed = start / max(elapsed, 1e-9)
            left = (n - start) / max(speed, 1e-9)
            progress(f"embedding texts: {start:,} of {n:,} · {speed:,.0f} texts/s · {left:,.0f} s left", start / n)
    assert vectors is not None
    return vectors, truncated


def _key(texts: list[str], model: TextModel, limit: int) -> str:
    digest = hashlib.sha256(f"{model.spec}\0{model.version}\0{model.max_tokens}\0{limit}\0{len(texts)}".encode())
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:32]


def _read_cache(path, rows: int) -> tuple[np.ndarray, int] | None:
    """The cached vectors when the file is whole and of the right shape; None (recompute) otherwise."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            truncated = int(data["truncated"])
    except Exception:  # a damaged cache file is recomputed and rewritten
        return None
    if vectors.ndim != 2 or len(vectors) != rows or not np.isfinite(vectors).all():
        return None
    return vectors, truncated
