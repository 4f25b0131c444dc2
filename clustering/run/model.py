"""The fitted state of a sample run, small enough to send to every worker, and the rule that labels and
places any other row: a distance-weighted vote of its nearest sample rows, and the weighted mean of their
layout coordinates (the starting point umap-learn's own `transform` uses, without its extra epochs).

The search runs in faiss's inverted-file index over the sample. Its number of probed cells is tuned on the
sample itself until the labels it gives agree with exact search on AGREEMENT_TARGET of the probe rows (and
their placement is within PLACEMENT_TOLERANCE of exact), because what must be right is the label, not each
neighbour: on 64-d blobs 1 probe gives a neighbour recall under 0.3 and the same labels as exact search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.graph.preprocess import Preprocessing
from clustering.limits import MODEL_EXACT_ROWS, MODEL_PROBE_ROWS
from clustering.run.coverage import uncovered

VOTERS = 15  # sample neighbours that vote for a row's cluster and place it on the layout
AGREEMENT_TARGET = 0.99  # share of probe rows whose label must match exact search
PLACEMENT_TOLERANCE = 0.01  # median distance from the exact placement, as a share of the layout's spread
PROBES = (1, 2, 4, 8, 16, 32, 64, 128)


@dataclass
class Assignment:
    """Labels, vote shares and layout coordinates of a chunk of rows."""

    labels: np.ndarray  # int32, -1 noise
    confidence: np.ndarray  # float32: the winning label's share of the vote
    xy: np.ndarray | None  # (n, 2) float32
    uncovered: np.ndarray | None = None  # bool: voters far by their own scale (`clustering.run.coverage`)


@dataclass
class SampleModel:
    """What a sample fit leaves behind to label and place the remaining rows."""

    transform: Preprocessing
    vectors: np.ndarray  # (m, d) the sample in the fitted space, float32
    labels: np.ndarray  # (m,) int32
    rows: np.ndarray  # (m,) sorted row ids of the sample in the full data
    xy: np.ndarray | None = None  # (m, 2) the sample's layout
    clustered: bool = True  # False: a layout alone (labels are all 0)
    voters: int = VOTERS
    probes: int | None = None  # None: exact search
    agreement: float = 1.0  # probe rows labelled as exact search labels them
    scale: np.ndarray | None = None  # (m,) each sample row's distance to its voters-th sample neighbour
    index_bytes: np.ndarray | None = field(default=None, repr=False)  # the faiss index, serialised once
    _index: object = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_index"] = None  # faiss objects do not pickle; workers rebuild from index_bytes
        return state

    @classmethod
    def build(
        cls,
        transform: Preprocessing,
        vectors: np.ndarray,
        labels: np.ndarray | None,
        rows: np.ndarray,
        xy: np.ndarray | None,
    ) -> SampleModel:
        """Index the sample and tune the search on it."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        model = cls(
            transform=transform,
            vectors=vectors,
            labels=np.zeros(len(vectors), np.int32) if labels is None else np.asarray(labels, dtype=np.int32),
            clustered=labels is not None,
            rows=np.asarray(rows, dtype=np.int64),
            xy=None if xy is None else np.asarray(xy, dtype=np.float32),
            voters=min(VOTERS, len(vectors) - 1),
        )
        if len(vectors) > MODEL_EXACT_ROWS.whole():
            model._tune()
        if labels is not None and len(vectors) > model.voters:
            distances, _ = model.index().search(vectors, model.voters + 1)  # itself first, then its neighbours
            model.scale = np.sqrt(np.maximum(distances[:, -1], 0)).astype(np.float32)
        return model

    def _tune(self) -> None:
        # deferred: a heavy native library, loaded on first search
        import faiss

        m, d = self.vectors.shape
        cells = int(max(16, 2 * np.sqrt(m)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, cells)
        index.cp.seed = 0
        index.train(self.vectors)
        index.add(self.vectors)
        probe = np.random.default_rng(0).choice(m, min(MODEL_PROBE_ROWS.whole(), m), replace=False)
        queries = self.vectors[probe]
        exact = faiss.IndexFlatL2(d)
        exact.add(self.vectors)
        distances, neighbours = exact.search(queries, self.voters + 1)
        truth, _ = self._vote(distances[:, 1:], neighbours[:, 1:])
        truth_xy = self._place(distances[:, 1:], neighbours[:, 1:])
        spread = float(self.xy.std()) if self.xy is not None else 0.0
        for probes in PROBES:
            index.nprobe = min(probes, cells)
            distances, neighbours = index.search(queries, self.voters + 1)
            labels, _ = self._vote(distances[:, 1:], neighbours[:, 1:])
            self.probes, self.agreement = index.nprobe, float((labels == truth).mean())
            placed = truth_xy is None or (
                np.median(np.linalg.norm(self._place(distances[:, 1:], neighbours[:, 1:]) - truth_xy, axis=1))
                <= PLACEMENT_TOLERANCE * spread
            )
            if (self.agreement >= AGREEMENT_TARGET and placed) or index.nprobe == cells:
                break
        self.index_bytes = faiss.serialize_index(index)
        self._index = index

    def index(self):
        """The faiss index over the sample, rebuilt once per process from its serialised bytes."""
        # deferred: a heavy native library, loaded on first search
        import faiss

        if self._index is None:
            if self.index_bytes is not None:
                self._index = faiss.deserialize_index(self.index_bytes)
                self._index.nprobe = self.probes
            else:
                self._index = faiss.IndexFlatL2(self.vectors.shape[1])
                self._index.add(self.vectors)
        return self._index

    def _vote(self, distances: np.ndarray, neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance-weighted majority of the neighbours' labels (noise votes too) and the winner's share."""
        weights = self._weights(distances, neighbours)
        classes, codes = np.unique(self.labels, return_inverse=True)
        n, c = len(neighbours), len(classes)
        slots = np.arange(n)[:, None] * c + codes[np.maximum(neighbours, 0)]
        totals = np.bincount(slots.ravel(), weights=weights.ravel(), minlength=n * c).reshape(n, c)
        winner = totals.argmax(axis=1)
        share = totals[np.arange(n), winner] / np.maximum(totals.sum(axis=1), 1e-12)
        return classes[winner].astype(np.int32), share.astype(np.float32)

    def _place(self, distances: np.ndarray, neighbours: np.ndarray) -> np.ndarray | None:
        """The neighbours' layout coordinates, weighted by inverse distance."""
        if self.xy is None:
            return None
        weights = self._weights(distances, neighbours)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        return np.einsum("nk,nkc->nc", weights, self.xy[np.maximum(neighbours, 0)]).astype(np.float32)

    @staticmethod
    def _weights(distances: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
        """1 / (distance + tiny) for found neighbours (faiss marks missing ones -1), 0 otherwise."""
        return np.where(neighbours >= 0, 1.0 / (np.sqrt(np.maximum(distances, 0)) + 1e-6), 0.0)

    def assign(self, chunk: np.ndarray, rows: np.ndarray | None = None) -> Assignment:
        """Label and place raw rows (`rows`: their ids, so the sample's own rows keep their fitted values)."""
        x = self.transform.apply(chunk)
        distances, neighbours = self.index().search(x, self.voters)
        labels, confidence = self._vote(distances, neighbours)
        xy = self._place(distances, neighbours)
        far = None
        if self.scale is not None:
            far = uncovered(np.sqrt(np.maximum(distances, 0)), np.maximum(neighbours, 0), self.scale)
        if rows is not None:
            at = np.searchsorted(self.rows, rows)
            inside = at < len(self.rows)
            inside[inside] = self.rows[at[inside]] == rows[inside]
            labels[inside] = self.labels[at[inside]]
            confidence[inside] = 1.0
            if far is not None:
                far[inside] = False
            if xy is not None and self.xy is not None:
                xy[inside] = self.xy[at[inside]]
        return Assignment(labels=labels, confidence=confidence, xy=xy, uncovered=far)

    def describe(self) -> dict:
        """How the rest was assigned, for the run record."""
        return {
            "sample_rows": int(len(self.rows)),
            "voters": self.voters,
            "search": "exact" if self.probes is None else f"IVF, {self.probes} probes",
            "label_agreement_with_exact": round(self.agreement, 4),
            "preprocess_fitted_on_sample": self.transform.kind,
        }
