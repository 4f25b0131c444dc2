"""The shared kNN graph: built once per (data, metric, k), cached in memory and on disk.

Exact up to KNN_EXACT_MAX_ROWS rows and EXACT_WORK rows^2 x dims with faiss's flat index (fused BLAS distance +
top-k: 100k x 50 in 12 s here, ten times the numpy blocked version, which stays as the fallback). Above,
faiss's inverted
file index (IVF-flat) with its number of probed cells tuned on a sample of rows until their recall
against exact neighbours reaches TARGET_RECALL; that recall is reported with the graph. Measured on
100k x 50 overlapping blobs, 2 cores: recall 0.95 in about 2.3 s, where hnswlib (M=16, ef 64) took
6.5 s and pynndescent 6-9 s warm and 25 s more in every fresh process (numba compilation; 47-97 s on
a cold start). IVF needs no JIT, and tuning on recall keeps it from the cell-shaped graphs that a
fixed small number of probes gives (1 probe on MNIST: recall 0.6, Leiden ARI 0.15).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from clustering.cache import atomic_write, cache_dir
from clustering.data import DataError, fingerprint_array
from clustering.limits import KNN_EXACT_MAX_ROWS, KNN_RECALL_ROWS

# Exact search costs rows^2 x dims: above this much work IVF is used even under KNN_EXACT_MAX_ROWS rows. 50k x 384 (a
# million sentence embeddings' sample) took 11.5 s exact and 3.1 s by IVF at recall 0.96; 50k x 50 (the covering
# sample of 250k rows) 4.5 s exact, 1.5 s by IVF at recall 0.957. MNIST-test (10k x 784) stays exact.
EXACT_WORK = 50_000**2 * 32
TARGET_RECALL = 0.95
CELLS_PER_ROOT = 2.0  # IVF cells = this x sqrt(rows)
_MEMORY: OrderedDict[str, KNNGraph] = OrderedDict()
_MEMORY_SLOTS = 8


@dataclass
class KNNGraph:
    """k nearest neighbours of every row (self excluded), ascending distance."""

    indices: np.ndarray  # (n, k) int32
    distances: np.ndarray  # (n, k) float32
    metric: str
    exact: bool
    key: str
    recall: float | None = None
    seconds: float = 0.0
    cached: bool = False
    _weighted: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of rows in the graph."""
        return self.indices.shape[0]

    @property
    def k(self) -> int:
        """Neighbours per row."""
        return self.indices.shape[1]

    def serves(self, n_rows: int, k: int, metric: str) -> bool:
        """Whether this graph can stand for a k-neighbour graph of n_rows rows under `metric`."""
        return self.n == n_rows and self.k >= k and self.metric == metric

    def igraph(self, kind: str = "umap"):
        """The weighted graph as an igraph Graph, built once and reused (re-runs skip it)."""
        key = f"igraph-{kind}"
        if key not in self._weighted:
            self._weighted[key] = to_igraph(self.connectivities(kind))
        return self._weighted[key]

    def leiden(
        self,
        resolution: float,
        *,
        weighting: str = "umap",
        objective: str = "modularity",
        n_iterations: int = 2,
        seed: int = 0,
    ) -> np.ndarray:
        """igraph's Leiden communities of the weighted graph, kept with the graph: a second run with the same
        settings (another run's confidence on the same data) reuses them. Read-only."""
        key = f"leiden-{weighting}-{objective}-{resolution!r}-{n_iterations}-{seed}"
        if key not in self._weighted:
            found = leiden_membership(
                self.igraph(weighting), resolution, objective=objective, n_iterations=n_iterations, seed=seed
            )
            found.setflags(write=False)
            self._weighted[key] = found
        return self._weighted[key]

    def connectivities(self, kind: str = "umap") -> sp.csr_matrix:
        """Symmetric weighted adjacency: UMAP fuzzy set union, Jaccard (SNN) overlap, or binary."""
        if kind not in self._weighted:
            builders = {
                "umap": fuzzy_connectivities,
                "jaccard": jaccard_connectivities,
                "binary": binary_connectivities,
            }
            if kind not in builders:
                raise ValueError(f"unknown graph weighting '{kind}'; choose {', '.join(builders)}")
            self._weighted[kind] = builders[kind](self.indices, self.distances)
        return self._weighted[kind]


LEIDEN_LOCK = threading.Lock()  # igraph's generator is process-wide: one seeded Leiden at a time


def leiden_membership(
    graph, resolution: float, *, objective: str = "modularity", n_iterations: int = 2, seed: int = 0
) -> np.ndarray:
    """igraph's Leiden on a graph weighted by its `weight` attribute, seeded.

    igraph draws from one process-wide generator (Python's `random` unless told otherwise): seeding that one let
    any other thread drawing from it meanwhile (another session's job on a shared server) change the labels of a
    seeded run. Each run gets its own generator, under a lock, and igraph gets Python's back after it.
    """
    import igraph  # deferred: igraph loads matplotlib (0.4 s); the CLI and app start without it

    with LEIDEN_LOCK:
        igraph.set_random_number_generator(random.Random(seed))  # the stream random.seed(seed) gave: same labels
        try:
            partition = graph.community_leiden(
                objective_function=objective, weights="weight", resolution=resolution, n_iterations=n_iterations
            )
        finally:
            igraph.set_random_number_generator(random)
    return np.asarray(partition.membership, dtype=np.int32)


def knn_graph(
    x: np.ndarray,
    k: int = 15,
    metric: str = "euclidean",
    *,
    exact: bool | None = None,
    use_cache: bool = True,
    seed: int = 0,
    n_threads: int | None = None,
) -> KNNGraph:
    """kNN graph of x, from the memory or disk cache when the same (data, metric, k) was seen before."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = x.shape[0]
    if metric not in ("euclidean", "cosine"):
        raise ValueError(f"metric '{metric}' is not supported; use euclidean or cosine")
    k = int(min(k, n - 1))
    if k < 1:
        raise ValueError("need at least 2 rows for neighbours")
    exact = n <= KNN_EXACT_MAX_ROWS.whole() and n * n * x.shape[1] <= EXACT_WORK if exact is None else exact
    if not np.isfinite(x).all():
        raise DataError("the vectors hold NaN or infinite values; neighbours need finite numbers.")
    rows_key = f"{fingerprint_array(x)}-{metric}-"
    key = f"{rows_key}k{k}-{'exact' if exact else 'ivf'}"
    if use_cache:
        hit = _from_memory(key) or _from_wider(rows_key, key, exact, k) or _from_disk(key, metric, exact, n, k)
        if hit is not None:
            return hit
    start = time.perf_counter()
    if exact:
        indices, distances = _exact(x, k, metric, n_threads)
        recall = 1.0
    else:
        indices, distances, recall = _ivf(x, k, metric, seed, n_threads)
    problem = graph_problem(indices, distances, n, k)
    if problem:  # never turned into a graph: a broken CSR matrix corrupts memory in igraph and scipy
        raise DataError(
            f"the nearest-neighbour search failed: {problem}. The values are probably too large or too small "
            f"for float32 distances (largest |value| {float(np.abs(x).max()):.3g}); rescale the vectors "
            "(preprocess standardize or l2)."
        )
    graph = KNNGraph(indices, distances, metric, exact, key, recall, time.perf_counter() - start)
    if use_cache:
        _remember(graph)
        _to_disk(graph)
    return graph


def _from_memory(key: str) -> KNNGraph | None:
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        graph = _MEMORY[key]
        graph.cached = True
        return graph
    return None


def _from_wider(rows_key: str, key: str, exact: bool, k: int) -> KNNGraph | None:
    """The first k columns of a graph in memory of the same rows and metric with more neighbours, as
    `KNNGraph.serves` allows (UMAP's 14 after Leiden's 15: without this, a sample fit searched twice)."""
    for graph in reversed(_MEMORY.values()):
        if graph.key.startswith(rows_key) and graph.exact == exact and graph.k > k:
            indices = np.ascontiguousarray(graph.indices[:, :k])
            distances = np.ascontiguousarray(graph.distances[:, :k])
            return KNNGraph(indices, distances, graph.metric, graph.exact, key, graph.recall, 0.0, cached=True)
    return None


def _remember(graph: KNNGraph) -> None:
    _MEMORY[graph.key] = graph
    while len(_MEMORY) > _MEMORY_SLOTS:
        _MEMORY.popitem(last=False)


def graph_problem(indices: np.ndarray, distances: np.ndarray, n: int, k: int) -> str | None:
    """What is wrong with a kNN result (shape, index range, self-loops, distances), or None when it is sound."""
    if indices.shape != (n, k) or distances.shape != (n, k):
        return f"shape {indices.shape} / {distances.shape}, expected ({n}, {k})"
    if indices.dtype.kind not in "iu" or distances.dtype.kind != "f":
        return f"types {indices.dtype} / {distances.dtype}"
    missing = (indices < 0) | (indices >= n)
    if missing.any():
        short = missing.any(axis=1)
        return f"{int(short.sum()):,} row(s) without {k} neighbours (first row {int(np.argmax(short))})"
    if (indices == np.arange(n)[:, None]).any():
        return "a row lists itself as its neighbour"
    if not np.isfinite(distances).all() or (distances < 0).any():
        return "non-finite or negative distances"
    return None


def _from_disk(key: str, metric: str, exact: bool, n: int, k: int) -> KNNGraph | None:
    path = cache_dir() / f"knn-{key}.npz"
    if not path.exists():
        return None
    graph: KNNGraph | None = None
    try:
        with np.load(path, allow_pickle=False) as stored:
            graph = KNNGraph(
                stored["indices"], stored["distances"], metric, exact, key, float(stored["recall"]), 0.0, cached=True
            )
        problem = graph_problem(graph.indices, graph.distances, n, k)
    except Exception as error:  # unreadable: rebuilt, never trusted
        problem = f"unreadable ({type(error).__name__})"
    if problem or graph is None:  # damaged or planted: rebuilt, never trusted
        path.unlink(missing_ok=True)
        return None
    _remember(graph)
    return graph


def _to_disk(graph: KNNGraph) -> None:
    path = cache_dir() / f"knn-{graph.key}.npz"
    recall = np.float64(graph.recall if graph.recall is not None else np.nan)
    try:
        atomic_write(
            path, lambda temporary: np.savez(temporary, indices=graph.indices, distances=graph.distances, recall=recall)
        )
    except OSError:
        pass  # a cache that cannot be written only costs time


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def _exact(x: np.ndarray, k: int, metric: str, n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact neighbours: faiss's flat index when installed, else blocked numpy."""
    try:
        # deferred: a heavy native library, loaded on first search
        import faiss
    except ImportError:
        return _exact_numpy(x, k, metric)
    data = _faiss_input(x, metric, n_threads)
    index = faiss.IndexFlatL2(data.shape[1])
    index.add(data)
    squared, labels = index.search(data, k + 1)
    return _from_squared(labels, squared, k, metric)


def _faiss_input(x: np.ndarray, metric: str, n_threads: int | None) -> np.ndarray:
    """float32 rows for faiss's L2 indexes (unit length for cosine); sets faiss's thread count."""
    # deferred: a heavy native library, loaded on first search
    import faiss

    faiss.omp_set_num_threads(n_threads or os.cpu_count() or 1)
    return np.ascontiguousarray(_normalise(x) if metric == "cosine" else x, dtype=np.float32)


def _from_squared(labels: np.ndarray, squared: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """faiss's k + 1 results a row (self included) -> k neighbours and their metric distances."""
    labels, squared = _drop_self(labels.astype(np.int64), np.maximum(squared, 0), k)
    distances = squared / 2.0 if metric == "cosine" else np.sqrt(squared)  # ||a-b||^2 / 2 = 1 - cos
    return labels.astype(np.int32), distances.astype(np.float32)


def _exact_numpy(x: np.ndarray, k: int, metric: str, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Blocked brute force with BLAS; exact, memory O(block x n)."""
    data = _normalise(x) if metric == "cosine" else x
    sq = (data.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
    n = len(data)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        d2 = sq[start:stop, None] - 2.0 * (data[start:stop] @ data.T) + sq[None, :]
        d2[np.arange(stop - start), np.arange(start, stop)] = np.inf  # exclude self
        part = np.argpartition(d2, k, axis=1)[:, :k]
        part_d = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(part_d, axis=1)
        indices[start:stop] = np.take_along_axis(part, order, axis=1)
        distances[start:stop] = np.take_along_axis(part_d, order, axis=1)
    np.maximum(distances, 0, out=distances)
    if metric == "cosine":
        distances = distances / 2.0  # ||a-b||^2 / 2 = 1 - cos for unit vectors
    else:
        distances = np.sqrt(distances)
    return indices, distances.astype(np.float32)


def _ivf(
    x: np.ndarray, k: int, metric: str, seed: int, n_threads: int | None, target: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Approximate neighbours with faiss IVF-flat; probes grow by a quarter until a row sample reaches `target` recall.

    Returns indices, distances and the recall measured on that sample (rows drawn before tuning).
    """
    # deferred: a heavy native library, loaded on first search
    import faiss

    target = TARGET_RECALL if target is None else target
    if len(x) < 2 * 39:  # too few rows for two cells: exact is the only sensible answer
        return (*_exact(x, k, metric, n_threads), 1.0)
    data = _faiss_input(x, metric, n_threads)
    n, d = data.shape
    n_cells = int(np.clip(min(CELLS_PER_ROOT * np.sqrt(n), n // 39), 1, 16384))  # faiss wants 39 rows a cell
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, n_cells)
    index.cp.seed = int(seed) % 2**31
    index.cp.niter = 10  # cells only partition the search; a rough k-means is enough
    rng = np.random.default_rng(seed)
    index.train(data[np.sort(rng.choice(n, size=min(n, 40 * n_cells), replace=False))])
    index.add(data)

    rows = np.sort(rng.choice(n, size=min(KNN_RECALL_ROWS.whole(), n), replace=False))
    squared, truth = faiss.knn(data[rows], data, k + 1)
    truth, _ = _drop_self(truth.astype(np.int64), squared, k, rows)
    probes, recall = max(1, n_cells // 64), 0.0
    while True:
        index.nprobe = probes
        squared, found = index.search(data[rows], k + 1)
        found, _ = _drop_self(found.astype(np.int64), squared, k, rows)
        recall = _overlap(truth, found)
        if recall >= target or probes >= n_cells:
            break
        probes = min(n_cells, max(probes + 1, round(probes * 1.25)))
    _, cell = index.quantizer.search(data, 1)
    order = np.argsort(cell.ravel(), kind="stable")  # queries cell by cell share probed lists: 1.5x faster
    squared, labels = np.empty((n, k + 1), dtype=np.float32), np.empty((n, k + 1), dtype=np.int64)
    squared[order], labels[order] = index.search(data[order], k + 1)
    short = (labels < 0).any(axis=1)  # probed cells held fewer than k + 1 points: exact for those rows
    if short.any():
        squared[short], labels[short] = faiss.knn(data[short], data, k + 1)
    return (*_from_squared(labels, squared, k, metric), recall)


def _overlap(truth: np.ndarray, found: np.ndarray) -> float:
    """Share of the true neighbours (rows of truth) present in the same rows of found."""
    hits = sum(len(np.intersect1d(t, f)) for t, f in zip(truth, found))
    return float(hits / truth.size)


def _drop_self(
    labels: np.ndarray, dists: np.ndarray, k: int, ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index (ids[i], default i) or, when self was not returned, the farthest neighbour."""
    n = len(labels)
    ids = np.arange(n) if ids is None else ids
    is_self = labels == ids[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(labels, dtype=bool)
    keep[np.arange(n), drop] = False
    return labels[keep].reshape(n, k), dists[keep].reshape(n, k)


# --- weighted graphs ------------------------------------------------------------------------------


def fuzzy_connectivities(
    indices: np.ndarray, distances: np.ndarray, n_iter: int = 64, tolerance: float = 1e-5
) -> sp.csr_matrix:
    """UMAP's fuzzy simplicial set (local connectivity 1, set union), vectorised in numpy.

    Written here rather than calling umap-learn because umap's numba kernels cost a long
    JIT compilation in every fresh process; this is the same binary search on all rows at once,
    each row stopping, as in umap, once its sum is within `tolerance` of log2(k + 1).
    """
    n, k = indices.shape
    dist = distances.astype(np.float64)
    positive = np.where(dist > 0, dist, np.inf)
    rho = positive.min(axis=1)
    rho[~np.isfinite(rho)] = 0.0
    target = np.log2(k + 1)  # umap counts self among the n_neighbors
    lo, hi = np.zeros(n), np.full(n, np.inf)
    sigma = np.ones(n)
    shifted = np.maximum(dist - rho[:, None], 0.0)
    active = np.arange(n)
    for _ in range(n_iter):
        psum = np.exp(-shifted[active] / sigma[active, None]).sum(axis=1)
        open_rows = np.abs(psum - target) >= tolerance
        active, psum = active[open_rows], psum[open_rows]
        if not len(active):
            break
        too_big = psum > target
        hi[active] = np.where(too_big, sigma[active], hi[active])
        lo[active] = np.where(too_big, lo[active], sigma[active])
        unbounded = np.isinf(hi[active])
        sigma[active] = np.where(~too_big & unbounded, sigma[active] * 2, (lo[active] + hi[active]) / 2)
    mean_all = dist.mean()
    mean_row = dist.mean(axis=1)
    floor = 1e-3 * np.where(rho > 0, mean_row, mean_all)
    sigma = np.maximum(sigma, floor)
    weights = np.exp(-shifted / sigma[:, None])
    graph = sp.csr_matrix((weights.ravel(), indices.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n), copy=True)
    graph.sum_duplicates()  # k entries a row: built straight as CSR (a copy: sorting must not touch indices)
    transpose = graph.T.tocsr()
    product = graph.multiply(transpose)
    return (graph + transpose - product).tocsr().astype(np.float32)


def binary_connectivities(indices: np.ndarray, distances: np.ndarray) -> sp.csr_matrix:
    """The kNN graph as a symmetric 0/1 sparse matrix."""
    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    graph = sp.csr_matrix((np.ones(n * k, dtype=np.float32), (rows, indices.ravel())), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def jaccard_connectivities(indices: np.ndarray, distances: np.ndarray) -> sp.csr_matrix:
    """Shared-nearest-neighbour weights: Jaccard overlap of the two neighbourhoods (self included)."""
    n, k = indices.shape
    with_self = np.column_stack([np.arange(n), indices])
    rows = np.repeat(np.arange(n), k + 1)
    member = sp.csr_matrix((np.ones(n * (k + 1), dtype=np.float32), (rows, with_self.ravel())), shape=(n, n))
    edges = binary_connectivities(indices, distances).tocoo()
    shared = np.asarray(member[edges.row].multiply(member[edges.col]).sum(axis=1)).ravel()
    weight = shared / (2 * (k + 1) - shared)
    return sp.csr_matrix((weight.astype(np.float32), (edges.row, edges.col)), shape=(n, n))


def to_igraph(adjacency: sp.csr_matrix):
    """Undirected weighted igraph Graph from a symmetric sparse matrix (upper triangle)."""
    # deferred: igraph loads matplotlib (0.4 s); the CLI and app start without it
    import igraph as ig

    upper = sp.triu(adjacency, k=1).tocoo()
    graph = ig.Graph(n=adjacency.shape[0], directed=False)
    graph.add_edges(np.column_stack([upper.row, upper.col]))  # from numpy: about 3x faster than from a list
    graph.es["weight"] = upper.data.astype(np.float64)
    return graph


def reuse_or_build(knn: KNNGraph | None, x: np.ndarray, k: int, metric: str, seed: int = 0) -> KNNGraph:
    """The given graph when it serves (same rows, at least k neighbours, same metric), else a new one.

    The one rule every graph user (Leiden, spectral, agglomerative, UMAP) follows to share the pipeline's graph.
    """
    if knn is not None and knn.serves(len(x), k, metric):
        return knn
    return knn_graph(x, k, metric, seed=seed)


def nearest_rows(x: np.ndarray, row: int, k: int = 10, metric: str = "euclidean") -> tuple[np.ndarray, np.ndarray]:
    """The `k` rows nearest to `row` (itself left out), ascending distance, searched exactly.

    One query scans the rows once (a million x 384 in about a second), so a clicked point's neighbours are exact
    even where the shared graph was built approximately (IVF), and no graph has to be built for a click.
    """
    n = x.shape[0]
    if not 0 <= row < n:
        raise ValueError(f"row {row} is not in the data (0 to {n - 1}).")
    k = int(min(k, n - 1))
    query = np.asarray(x[row], dtype=np.float32)
    distances = np.empty(n, dtype=np.float32)
    block = 262_144
    for start in range(0, n, block):  # blocks keep the temporaries small at a million rows
        part = np.asarray(x[start : start + block], dtype=np.float32)
        if metric == "cosine":
            norms = np.linalg.norm(part, axis=1) * max(float(np.linalg.norm(query)), 1e-12)
            distances[start : start + len(part)] = 1.0 - (part @ query) / np.maximum(norms, 1e-12)
        else:
            distances[start : start + len(part)] = np.sqrt(np.maximum(((part - query) ** 2).sum(axis=1), 0.0))
    distances[row] = np.inf
    nearest = np.argpartition(distances, k - 1)[:k] if k < n else np.arange(n)
    nearest = nearest[np.argsort(distances[nearest], kind="stable")]
    return nearest.astype(np.int64), distances[nearest]
