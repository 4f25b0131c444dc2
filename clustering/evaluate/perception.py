"""What a person sees in a 2-D scatter, versus what the algorithm found.

`visual_clusters` is a *model* of perception, not a learned one (after the observation of
ClusterNet, Hartwig et al., that people group a scatterplot by the density of ink they see):
the points are rasterised at screen resolution (the plot's pixel size, aspect kept, as the
app draws it) as ink (coverage, which saturates where markers overlap), smoothed with a Gaussian
whose width in pixels follows the marker size, the plot size and the typical gap between points,
and pixels denser than a share of the typical point's density form regions; the connected
components of those pixels are the visual clusters. Points in sparse pixels, or in regions too
small to notice (few points and little area on screen), are unassigned (-1).

`verdicts` then says, per cluster of a run, whether the picture shows it: *visible* (one clear
region of its own), *split* (spread over several regions), *merged* (shares its region with
other clusters), *hidden* (mostly outside every region).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from sklearn.neighbors import NearestNeighbors

from clustering.evaluate import metrics


@dataclass(frozen=True)
class ViewModel:
    """How the scatter is looked at; defaults match the app's scatter (about 600 px, 3-px markers)."""

    width_px: int = 600
    height_px: int = 600
    marker_px: float = 3.0
    bandwidth_px: float | None = None  # Gaussian sigma; default: see `sigma`
    level: float = 0.1  # a pixel belongs to a region when its density >= level x the median point's density
    min_region_share: float = 0.005  # regions holding this share of the points are noticed whatever their area
    min_region_points: int = 5
    min_region_px: int = 30  # a dense region covering this many pixels is seen, however few its share of points,
    min_group_points: int = 25  # when it holds at least this many points (a few stray dots are not a group)

    def __post_init__(self) -> None:
        """Refuse settings that make no picture: zero or huge sizes, non-finite numbers."""
        checks = [
            ("width", self.width_px, 16, 10_000),
            ("height", self.height_px, 16, 10_000),
            ("marker", self.marker_px, 0.1, 100.0),
            ("level", self.level, 1e-4, 100.0),
            ("min_region_share", self.min_region_share, 0.0, 1.0),
        ]
        if self.bandwidth_px is not None:
            checks.append(("bandwidth", self.bandwidth_px, 0.1, 1000.0))
        for name, value, low, high in checks:
            if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and low <= value <= high):
                raise ValueError(f"{name} {value!r}: must be a number from {low:g} to {high:g} (pixels for sizes).")

    def sigma(self, px: np.ndarray | None = None) -> float:
        """Smoothing in pixels: the larger of 2 markers, 1% of the plot, and half the typical gap between points.

        The last term lets a sparse scatter (a few hundred points) still read as groups, as it does to the eye.
        """
        if self.bandwidth_px is not None:
            return float(self.bandwidth_px)
        sigma = max(2.0 * self.marker_px, 0.01 * min(self.width_px, self.height_px))
        if px is not None and len(px) > 4:
            return max(sigma, 0.5 * typical_gap(px))
        return sigma


def typical_gap(px: np.ndarray, sample: int = 20_000) -> float:
    """Median distance (pixels) from a point to its third nearest neighbour; sampled above `sample` points."""

    n = len(px)
    chosen = px if n <= sample else px[np.random.default_rng(0).choice(n, sample, replace=False)]
    distances = NearestNeighbors(n_neighbors=4).fit(chosen).kneighbors(chosen)[0][:, 3]
    return float(np.median(distances) * np.sqrt(len(chosen) / n))  # a sample is sparser: rescale to all n


@dataclass
class VisualClustering:
    """The regions a person sees: each point's region (-1 unassigned) and the density image."""

    labels: np.ndarray  # per point: region id, -1 = unassigned
    density: np.ndarray  # smoothed density grid (height x width), points per pixel
    regions: np.ndarray  # region id per pixel, -1 = none
    threshold: float
    view: ViewModel
    sigma: float  # the smoothing used, pixels

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(len(np.unique(self.labels[self.labels >= 0])))

    @property
    def unassigned_share(self) -> float:
        """Share of points in sparse areas (no region)."""
        return float((self.labels < 0).mean()) if len(self.labels) else 0.0


def to_pixels(xy: np.ndarray, view: ViewModel, pad: float = 0.05) -> np.ndarray:
    """Screen coordinates (column, row) of each point, equal scale on both axes, a margin around."""
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"the perception view needs 2-D coordinates; got shape {xy.shape}.")
    if not np.isfinite(xy).all():
        raise ValueError("the 2-D coordinates contain NaN or infinite values.")
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(high - low, 1e-12)
    usable = np.array([view.width_px, view.height_px]) * (1 - 2 * pad)
    scale = float(np.min(usable / span))
    centre = (low + high) / 2
    px = (xy - centre) * scale + np.array([view.width_px, view.height_px]) / 2
    px[:, 1] = view.height_px - px[:, 1]  # screen rows grow downwards
    return np.clip(px, 0, np.array([view.width_px, view.height_px]) - 1e-6)


def visual_clusters(xy: np.ndarray, view: ViewModel | None = None) -> VisualClustering:
    """Regions of the drawn scatter a person would group together (see the module text)."""
    view = view or ViewModel()
    n = len(xy)
    px = to_pixels(xy, view)
    cols, rows = px[:, 0].astype(int), px[:, 1].astype(int)
    counts = np.zeros((view.height_px, view.width_px))
    np.add.at(counts, (rows, cols), 1.0)
    sigma = view.sigma(px)
    # ink, not counts: a pixel covered by markers looks the same whether 1 or 60 points lie there, so a small
    # tight blob reads as solid as a large one (coverage saturates as 1 - exp(-points x marker area))
    ink = 1.0 - np.exp(-counts * view.marker_px**2)
    density = ndimage.gaussian_filter(ink, sigma=sigma, mode="constant")
    if n == 0:
        return VisualClustering(np.zeros(0, dtype=np.int64), density, np.full(counts.shape, -1), 0.0, view, sigma)
    at_points = density[rows, cols]
    threshold = view.level * float(np.median(at_points))
    dense = density >= threshold
    components, count = ndimage.label(dense, structure=np.ones((3, 3)))
    point_region = components[rows, cols] - 1  # -1 where the pixel is sparse
    sizes = np.bincount(point_region[point_region >= 0], minlength=count)
    areas = np.bincount(components.ravel(), minlength=count + 1)[1:]
    # the eye sees a dense patch by its area on screen: a separate blob of 0.3% of a million points is plain to see
    noticeable = (sizes >= view.min_region_points) & (
        (sizes >= view.min_region_share * n) | ((areas >= view.min_region_px) & (sizes >= view.min_group_points))
    )
    # renumber noticeable regions by size, largest first
    order = np.argsort(-sizes)
    new_id = np.full(count, -1)
    kept = [r for r in order if noticeable[r]]
    new_id[kept] = np.arange(len(kept))
    labels = np.where(point_region >= 0, new_id[np.maximum(point_region, 0)], -1)
    pixel_regions = np.where(components > 0, new_id[np.maximum(components - 1, 0)], -1)
    return VisualClustering(labels.astype(np.int64), density, pixel_regions, threshold, view, sigma)


def verdicts(labels: np.ndarray, visual: np.ndarray, part: float = 0.2, hidden_below: float = 0.5) -> dict[int, dict]:
    """Per cluster of a run: visible | split | merged | hidden, with the figures behind the verdict.

    A cluster's regions are those holding at least `part` of its region-assigned points. It is
    *hidden* when less than `hidden_below` of its points lie in any region, *merged* when in one of
    its regions other clusters make up at least `part` of the points, *split* when it has two or more
    regions, and *visible* otherwise (merged wins over split: the picture cannot isolate it).
    """
    labels, visual = np.asarray(labels), np.asarray(visual)
    out: dict[int, dict] = {}
    assigned = visual >= 0
    for cluster in np.unique(labels[labels >= 0]):
        members = labels == cluster
        in_region = members & assigned
        shown = float(in_region.sum() / members.sum())
        regions, counts = np.unique(visual[in_region], return_counts=True)
        own = [int(r) for r, c in zip(regions, counts) if c >= part * in_region.sum()] if in_region.any() else []
        purity = {}
        for region in own:
            in_this = visual == region
            purity[region] = float((members & in_this).sum() / max(in_this.sum(), 1))
        merged = any(p < 1 - part for p in purity.values())
        if shown < hidden_below or not own:
            verdict = "hidden"
        elif merged:
            verdict = "merged"
        elif len(own) >= 2:
            verdict = "split"
        else:
            verdict = "visible"
        out[int(cluster)] = {
            "verdict": verdict,
            "size": int(members.sum()),
            "shown_share": shown,
            "regions": own,
            "purity": [purity[r] for r in own],
        }
    return out


def perceive(xy: np.ndarray, labels: np.ndarray | None = None, view: ViewModel | None = None) -> dict:
    """The JSON of `clusterlab perceive`: visual labels, regions, and with labels ARI and verdicts."""
    visual = visual_clusters(xy, view)
    out: dict = {
        "visual_labels": visual.labels,
        "n_regions": visual.n_regions,
        "unassigned_share": visual.unassigned_share,
        "view": {
            "width_px": visual.view.width_px,
            "height_px": visual.view.height_px,
            "marker_px": visual.view.marker_px,
            "bandwidth_px": visual.sigma,
            "level": visual.view.level,
        },
    }
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) != len(visual.labels):
            raise ValueError(f"{len(labels)} labels for {len(visual.labels)} points; give one label per row.")
        out["ari"] = metrics.ari(visual.labels, labels)  # on points in a region; run noise as singletons
        details = verdicts(labels, visual.labels)
        out["verdicts"] = {str(c): d["verdict"] for c, d in details.items()}
        out["verdict_details"] = {str(c): d for c, d in details.items()}
    return out


ADVICE = {
    "merged": "Every cluster shares its region with others: the picture shows fewer groups ({regions} regions) "
    "than the run has clusters. Smooth less (a smaller smoothing in pixels), use a layout that pulls groups "
    "apart (UMAP with more neighbours or a smaller min_dist), or cluster coarser (a lower resolution).",
    "split": "Every cluster is spread over several regions: the picture shows more groups ({regions} regions) than "
    "the run. Smooth more (a larger smoothing in pixels), or cluster finer (a higher resolution).",
    "hidden": "Most clusters lie in sparse areas the eye does not group: lower the density threshold or draw "
    "larger markers.",
}


def advice(details: dict[int, dict], n_regions: int) -> str | None:
    """What to change when every cluster gets the same bad verdict (merged, split or hidden); None otherwise."""
    kinds = {d["verdict"] for d in details.values()}
    if len(details) < 2 or len(kinds) != 1:
        return None
    kind = kinds.pop()
    return ADVICE[kind].format(regions=n_regions) if kind in ADVICE else None


# --- projection faithfulness -------------------------------------------------------------------------


def _ranks_of(distances: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank (1 = nearest, self excluded) of each target column within each row of distances."""
    chosen = np.take_along_axis(distances, targets, axis=1)
    return (distances[:, :, None] < chosen[:, None, :]).sum(axis=1)  # self (distance 0) is counted: rank >= 1


def _neighbours(x: np.ndarray, k: int) -> np.ndarray:

    return NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x, return_distance=False)[:, 1:]


def trustworthiness_continuity(
    high: np.ndarray, low: np.ndarray, k: int = 10, sample: int = 2000, seed: int = 0
) -> dict:
    """Trustworthiness and continuity (Venna & Kaski) of a projection, on up to `sample` query points.

    Ranks are exact against all n points; above `sample` points the sums run over a random sample
    of queries (the normalisation is the same, so the estimate is unbiased). Equal to
    sklearn.manifold.trustworthiness when every point is a query.
    """
    high, low = np.asarray(high, dtype=np.float64), np.asarray(low, dtype=np.float64)
    n = len(high)
    if n != len(low):
        raise ValueError(f"{n} points in the original space and {len(low)} in the projection.")
    if k >= n / 2:
        raise ValueError(f"k = {k} needs more than {2 * k} points; there are {n}.")
    queries = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    t_sum = c_sum = 0.0
    for start in range(0, len(queries), 256):
        q = queries[start : start + 256]
        dh = _sq_dist(high[q], high)
        dl = _sq_dist(low[q], low)
        for d in (dh, dl):
            d[np.arange(len(q)), q] = -1.0  # self first
        nh = np.argsort(dh, axis=1)[:, 1 : k + 1]
        nl = np.argsort(dl, axis=1)[:, 1 : k + 1]
        for i in range(len(q)):
            intruders = np.setdiff1d(nl[i], nh[i], assume_unique=True)
            if len(intruders):
                t_sum += (_ranks_of(dh[i : i + 1], intruders[None, :]) - k).sum()
            missing = np.setdiff1d(nh[i], nl[i], assume_unique=True)
            if len(missing):
                c_sum += (_ranks_of(dl[i : i + 1], missing[None, :]) - k).sum()
    norm = 2.0 / (len(queries) * k * (2 * n - 3 * k - 1))
    return {
        "trustworthiness": float(1 - norm * t_sum),
        "continuity": float(1 - norm * c_sum),
        "k": k,
        "queries": int(len(queries)),
    }


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def neighbourhood_preservation(
    high: np.ndarray, low: np.ndarray, k: int = 10, high_neighbours: np.ndarray | None = None
) -> np.ndarray:
    """Per point: share of its k nearest neighbours in the original space that stay among its k nearest in 2-D."""
    nh = high_neighbours[:, :k] if high_neighbours is not None else _neighbours(np.asarray(high), k)
    nl = _neighbours(np.asarray(low, dtype=np.float64), k)
    hits = (nh[:, :, None] == nl[:, None, :]).any(axis=2).sum(axis=1)
    return hits / k
