"""Every size limit in one place: a named setting (environment variable), its default and what it bounds.

A limit is read when it is used, so a changed setting takes effect without a restart. The README's table of
settings lists each of these (a test checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One bound: the setting that changes it, its default and what it bounds."""

    setting: str
    default: float
    bounds: str

    def value(self) -> float:
        """The setting's value, or the default when unset; a setting that is not a positive number is refused."""
        text = os.environ.get(self.setting, "").strip()
        if not text:
            return self.default
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not 0 < number < float("inf"):
            raise ValueError(f"setting {self.setting}={text!r}: give a positive number (default {self.default:g}).")
        return number

    def whole(self) -> int:
        """The value as a whole number."""
        return int(self.value())


MAX_MB = Limit("CLUSTERLAB_MAX_MB", 4096, "MB of one input file, or of the matrix it expands to (every format)")
MAX_COLUMNS = Limit("CLUSTERLAB_MAX_COLUMNS", 100_000, "columns of one input table")
BROWSER_POINTS = Limit("CLUSTERLAB_BROWSER_POINTS", 1_000_000, "points the app's scatter draws (a sample above)")
OUT_OF_CORE_MAX_MB = Limit(
    "CLUSTERLAB_OUT_OF_CORE_MAX_MB", 1_048_576, "MB of the float32 matrix an out-of-core input declares (1 TB)"
)
CONFIG_MAX_KB = Limit("CLUSTERLAB_CONFIG_MAX_KB", 1024, "KB of one YAML config file")
CONFIG_MAX_RUNS = Limit("CLUSTERLAB_CONFIG_MAX_RUNS", 500, "runs in one YAML config")
CONFIG_MAX_DEPTH = Limit("CLUSTERLAB_CONFIG_MAX_DEPTH", 16, "nesting depth of a YAML config")
SWEEP_MAX_RUNS = Limit("CLUSTERLAB_SWEEP_MAX_RUNS", 1000, "fits in one sweep (values x seeds)")
FIGURE_MAX_PIXELS = Limit("CLUSTERLAB_FIGURE_MAX_PIXELS", 100_000_000, "pixels of one figure (width x height x dpi^2)")

REPORT_POINTS = Limit("CLUSTERLAB_REPORT_POINTS", 100_000, "points a report's scatter carries (a sample above)")
ZOOM_NAMES_ROWS = Limit(
    "CLUSTERLAB_ZOOM_NAMES_ROWS", 50_000, "rows up to which Explore's map names more clusters as it zooms in, unasked"
)
MAP_PICTURE_POINTS = Limit(
    "CLUSTERLAB_MAP_PICTURE_POINTS", 100_000, "points in the PNG a notebook map leaves in its output (a sample above)"
)
HOVER_TEXT_ROWS = Limit(
    "CLUSTERLAB_HOVER_TEXT_ROWS", 200_000, "rows whose hover text a scatter carries (above, fetched on hover)"
)
CONFIDENCE_MAX_ROWS = Limit(
    "CLUSTERLAB_CONFIDENCE_MAX_ROWS", 50_000, "rows whose confidence is drawn from resampled runs (above: neighbours)"
)
NAME_MAX_CHARS = Limit("CLUSTERLAB_NAME_MAX_CHARS", 1000, "characters of one cluster or class name read from a file")
EXPLAIN_MAX_CLUSTERS = Limit("CLUSTERLAB_EXPLAIN_MAX_CLUSTERS", 500, "clusters one explanation writes rules for")

KNN_EXACT_MAX_ROWS = Limit(
    "CLUSTERLAB_KNN_EXACT_MAX_ROWS", 50_000, "rows up to which the kNN search is exact (above: a tuned IVF index)"
)
KNN_RECALL_ROWS = Limit(
    "CLUSTERLAB_KNN_RECALL_ROWS", 500, "rows whose neighbours are checked against exact search to tune the index"
)
TSNE_MAX_ROWS = Limit("CLUSTERLAB_TSNE_MAX_ROWS", 50_000, "rows t-SNE lays out (above: UMAP or PCA instead)")
DIFFERENCE_MAX_ROWS = Limit(
    "CLUSTERLAB_DIFFERENCE_MAX_ROWS",
    50_000,
    "rows per side tested for what sets a cluster apart (a fixed sample above)",
)
SILHOUETTE_ROWS = Limit("CLUSTERLAB_SILHOUETTE_ROWS", 10_000, "rows a silhouette is computed on (a fixed sample above)")
HOVER_COLUMNS = Limit("CLUSTERLAB_HOVER_COLUMNS", 3, "metadata columns shown when hovering a point")
IMAGE_MAX_ROWS = Limit("CLUSTERLAB_IMAGE_MAX_ROWS", 70_000, "rows whose hover images a scatter packs (image data)")
REPORT_DIFFERENCE_ROWS = Limit(
    "CLUSTERLAB_REPORT_DIFFERENCE_ROWS", 20_000, "rows a side a report tests for what sets a cluster apart"
)
REPORT_DIFFERENCE_CLUSTERS = Limit(
    "CLUSTERLAB_REPORT_DIFFERENCE_CLUSTERS", 100, "largest clusters whose differences a report tests"
)
REPORT_COLOUR_COLUMNS = Limit(
    "CLUSTERLAB_REPORT_COLOUR_COLUMNS", 5, "metadata category columns a report offers as colourings"
)
FIGURE_VECTOR_POINTS = Limit(
    "CLUSTERLAB_FIGURE_VECTOR_POINTS", 5_000, "points a figure draws as vectors (above: a raster layer)"
)
LEGEND_MAX = Limit("CLUSTERLAB_LEGEND_MAX", 30, "legend entries drawn (more are summarised in one line)")
CONTINGENCY_MAX = Limit("CLUSTERLAB_CONTINGENCY_MAX", 40, "rows or columns of a contingency table shown (the largest)")
SHOWN_NAME_CHARS = Limit(
    "CLUSTERLAB_SHOWN_NAME_CHARS",
    60,
    "characters of a name drawn on a map or legend (tables and exports keep it whole)",
)
MAP_LABELS_MAX = Limit("CLUSTERLAB_MAP_LABELS_MAX", 300, "names offered per map view, largest groups first")
FILTER_TOP_CATEGORIES = Limit(
    "CLUSTERLAB_FILTER_TOP_CATEGORIES", 15, "bars per category chart (the rest are one 'other' bar)"
)
KEPT_ROWS = Limit(
    "CLUSTERLAB_KEPT_ROWS", 200_000, "rows a kept out-of-core project holds (a fixed random sample above)"
)
PART_ROWS = Limit("CLUSTERLAB_PART_ROWS", 250_000, "rows per part of an out-of-core .npy or zarr input")
HDBSCAN_FAST_MAX_DIMS = Limit(
    "CLUSTERLAB_HDBSCAN_FAST_MAX_DIMS", 16, "dimensions up to which HDBSCAN's auto engine is fast_hdbscan"
)
HDBSCAN_FAST_MIN_ROWS = Limit(
    "CLUSTERLAB_HDBSCAN_FAST_MIN_ROWS", 20_000, "rows from which HDBSCAN's auto engine is fast_hdbscan"
)
KMEANS_MINIBATCH_ROWS = Limit("CLUSTERLAB_KMEANS_MINIBATCH_ROWS", 200_000, "rows above which k-means is mini-batch")
SPECTRAL_MAX_ROWS = Limit("CLUSTERLAB_SPECTRAL_MAX_ROWS", 50_000, "rows spectral clustering fits on")
KMEDOIDS_MAX_ROWS = Limit("CLUSTERLAB_KMEDOIDS_MAX_ROWS", 30_000, "rows k-medoids fits on (a full distance matrix)")
AGGLOMERATIVE_GRAPH_ROWS = Limit(
    "CLUSTERLAB_AGGLOMERATIVE_GRAPH_ROWS", 5_000, "rows above which agglomerative clustering follows the kNN graph"
)
AGGLOMERATIVE_UNCONNECTED_MAX_ROWS = Limit(
    "CLUSTERLAB_AGGLOMERATIVE_UNCONNECTED_MAX_ROWS",
    30_000,
    "rows agglomerative clustering fits on without the kNN graph",
)
AGGLOMERATIVE_MAX_ROWS = Limit("CLUSTERLAB_AGGLOMERATIVE_MAX_ROWS", 150_000, "rows agglomerative clustering fits on")
DEEP_REPLAY_ROWS = Limit("CLUSTERLAB_DEEP_REPLAY_ROWS", 5000, "rows a deep model's training replays to check it")
DEEP_MAX_LAYERS = Limit("CLUSTERLAB_DEEP_MAX_LAYERS", 8, "layers of a deep model's encoder")
DEEP_MAX_WIDTH = Limit("CLUSTERLAB_DEEP_MAX_WIDTH", 20_000, "units of one layer of a deep model")
MODEL_EXACT_ROWS = Limit(
    "CLUSTERLAB_MODEL_EXACT_ROWS", 5_000, "sample rows up to which placing new rows searches exactly"
)
MODEL_PROBE_ROWS = Limit("CLUSTERLAB_MODEL_PROBE_ROWS", 1_000, "sample rows used to tune the placement index")
COVERAGE_PCA_ROWS = Limit(
    "CLUSTERLAB_COVERAGE_PCA_ROWS", 20_000, "rows the coverage grid's principal components are fitted on"
)
EDIT_MAX_IDS = Limit("CLUSTERLAB_EDIT_MAX_IDS", 1_000_000, "ids one edit may list")
SAMPLE_ROWS = Limit(
    "CLUSTERLAB_SAMPLE_ROWS", 50_000, "rows Leiden-like methods are fitted on above their full-fit size"
)
LAYOUT_FULL_ROWS = Limit(
    "CLUSTERLAB_LAYOUT_FULL_ROWS", 50_000, "rows a UMAP layout is fitted on whole (above: on a sample)"
)
LAYOUT_SAMPLE_ROWS = Limit("CLUSTERLAB_LAYOUT_SAMPLE_ROWS", 20_000, "rows a sampled UMAP layout is fitted on")
MIN_SAMPLE_ROWS = Limit("CLUSTERLAB_MIN_SAMPLE_ROWS", 100, "rows of the smallest sample a run fits on")
CHUNK_ROWS = Limit("CLUSTERLAB_CHUNK_ROWS", 100_000, "rows labelled and placed at a time")
SUGGEST_NULL_ROWS = Limit(
    "CLUSTERLAB_SUGGEST_NULL_ROWS", 2000, "rows whose silhouettes are compared with the structureless twin"
)
HEADER_MAX_BYTES = Limit(
    "CLUSTERLAB_HEADER_MAX_BYTES", 16 * 2**20, "bytes of a table's first line (longer is not a header)"
)
LABEL_RENUMBER_ABOVE = Limit(
    "CLUSTERLAB_LABEL_RENUMBER_ABOVE", 1_000_000, "integer labels above this (and the row count) are renumbered"
)
MIN_ROWS = Limit("CLUSTERLAB_MIN_ROWS", 3, "rows a dataset needs to be clustered")
NEIGHBOUR_CONFIDENCE_ROWS = Limit(
    "CLUSTERLAB_NEIGHBOUR_CONFIDENCE_ROWS",
    200_000,
    "rows whose confidence is drawn from neighbours (above: the method's own)",
)
PREPROCESSED_KEPT = Limit("CLUSTERLAB_PREPROCESSED_KEPT", 6, "preprocessed matrices kept in memory, newest first")
TEXT_MAX_CHARS = Limit(
    "CLUSTERLAB_TEXT_MAX_CHARS", 20_000, "characters of one text read for embedding (models read fewer tokens)"
)
FAST_MODEL_MAX_TOKENS = Limit(
    "CLUSTERLAB_FAST_MODEL_MAX_TOKENS", 512, "tokens of one text the fast model reads (it has no limit of its own)"
)
HOVER_TEXT_CHARS = Limit("CLUSTERLAB_HOVER_TEXT_CHARS", 2_000, "characters of a row's text shown on hover (the whole)")
EMBED_FAST_ADVISED_ROWS = Limit(
    "CLUSTERLAB_EMBED_FAST_ADVISED_ROWS", 20_000, "texts above which the fast text model is advised"
)

ALL_LIMITS = (
    MAX_MB,
    MAX_COLUMNS,
    BROWSER_POINTS,
    OUT_OF_CORE_MAX_MB,
    CONFIG_MAX_KB,
    CONFIG_MAX_RUNS,
    CONFIG_MAX_DEPTH,
    SWEEP_MAX_RUNS,
    FIGURE_MAX_PIXELS,
    EXPLAIN_MAX_CLUSTERS,
    NAME_MAX_CHARS,
    REPORT_POINTS,
    ZOOM_NAMES_ROWS,
    MAP_PICTURE_POINTS,
    HOVER_TEXT_ROWS,
    CONFIDENCE_MAX_ROWS,
    TEXT_MAX_CHARS,
    HOVER_TEXT_CHARS,
    FAST_MODEL_MAX_TOKENS,
    EMBED_FAST_ADVISED_ROWS,
    KNN_EXACT_MAX_ROWS,
    KNN_RECALL_ROWS,
    TSNE_MAX_ROWS,
    DIFFERENCE_MAX_ROWS,
    SILHOUETTE_ROWS,
    HOVER_COLUMNS,
    IMAGE_MAX_ROWS,
    REPORT_DIFFERENCE_ROWS,
    REPORT_DIFFERENCE_CLUSTERS,
    REPORT_COLOUR_COLUMNS,
    FIGURE_VECTOR_POINTS,
    LEGEND_MAX,
    CONTINGENCY_MAX,
    SHOWN_NAME_CHARS,
    MAP_LABELS_MAX,
    FILTER_TOP_CATEGORIES,
    KEPT_ROWS,
    PART_ROWS,
    HDBSCAN_FAST_MAX_DIMS,
    HDBSCAN_FAST_MIN_ROWS,
    KMEANS_MINIBATCH_ROWS,
    SPECTRAL_MAX_ROWS,
    KMEDOIDS_MAX_ROWS,
    AGGLOMERATIVE_GRAPH_ROWS,
    AGGLOMERATIVE_UNCONNECTED_MAX_ROWS,
    AGGLOMERATIVE_MAX_ROWS,
    DEEP_REPLAY_ROWS,
    DEEP_MAX_LAYERS,
    DEEP_MAX_WIDTH,
    MODEL_EXACT_ROWS,
    MODEL_PROBE_ROWS,
    COVERAGE_PCA_ROWS,
    EDIT_MAX_IDS,
    SAMPLE_ROWS,
    LAYOUT_FULL_ROWS,
    LAYOUT_SAMPLE_ROWS,
    MIN_SAMPLE_ROWS,
    CHUNK_ROWS,
    SUGGEST_NULL_ROWS,
    HEADER_MAX_BYTES,
    LABEL_RENUMBER_ABOVE,
    MIN_ROWS,
    NEIGHBOUR_CONFIDENCE_ROWS,
    PREPROCESSED_KEPT,
)
