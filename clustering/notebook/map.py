"""`Map`: a clustering on the app's WebGL scatter in a notebook (anywidget: Jupyter, VS Code, Colab, marimo).

One scatter for the app, the reports and the notebook: the widget hosts `clustering/visual/scatter` as a report does
and feeds it the same packed binary (float32 positions, uint16 colour codes). It is two-way: a lasso or box in the
view becomes `.selection` (rows by id); setting `.selection`, `.color_by` or `.labels` in Python redraws the view; a
clicked point marks its nearest neighbours (`.neighbours`). Saved, the output also holds a PNG of the map, shown
where no kernel runs (GitHub, nbviewer).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from clustering.api import Clustering, cluster
from clustering.data import DataError
from clustering.explainers import Explanation, available_spaces, build_space, explain
from clustering.graph.neighbors import nearest_rows
from clustering.limits import BROWSER_POINTS, IMAGE_MAX_ROWS, MAP_PICTURE_POINTS
from clustering.reports.html import scatter_document
from clustering.run.layout import layout
from clustering.run.sampled import choose_rows
from clustering.visual.colours import colour_codes, hover_columns, hover_lines, image_bytes, named_colour_codes
from clustering.visual.map_labels import map_labels
from clustering.visual.regions import rows_in_polygon

CLUSTERS, TRUTH = "clusters", "truth"


class Map(anywidget.AnyWidget):
    """A clustering on a live, two-way map.

    Parameters
    ----------
    clustering : Clustering
        What `cluster` returned.
    color_by : str
        ``"clusters"``, ``"truth"`` (the data's label column) or any metadata column.
    xy : ndarray of shape (n, 2), optional
        Positions to draw; default: the run's layout, else a UMAP of the data (`clustering.run.layout`).
    hover : list of str, optional
        Metadata columns shown on hover (default: the text column, then the first others).
    neighbours : int
        Nearest neighbours marked when a point is clicked.
    height : int
        Pixels.

    Examples
    --------
    >>> m = Map(cl.cluster(df, "leiden", text="title"))  # doctest: +SKIP
    >>> m                                                # the view; box or lasso some points, then
    >>> m.selection                                      # doctest: +SKIP
    """

    _esm = Path(__file__).parent / "map.js"
    _page = traitlets.Unicode("").tag(sync=True)
    xy = traitlets.Bytes(b"").tag(sync=True)
    codes = traitlets.Bytes(b"").tag(sync=True)
    legend: traitlets.List = traitlets.List().tag(sync=True)
    names_on_map: traitlets.List = traitlets.List().tag(sync=True)
    hover_text = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    ask_hover = traitlets.Bool(False).tag(sync=True)
    hover_detail = traitlets.Dict(None, allow_none=True).tag(sync=True)
    images = traitlets.Bytes(None, allow_none=True).tag(sync=True)
    image_shape: traitlets.List = traitlets.List(None, allow_none=True).tag(sync=True)
    data_id = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(560).tag(sync=True)
    marked = traitlets.Bytes(b"").tag(sync=True)
    marked_id = traitlets.Unicode("").tag(sync=True)
    focus = traitlets.Int(None, allow_none=True).tag(sync=True)
    color_by = traitlets.Unicode(CLUSTERS).tag(sync=True)
    color_options: traitlets.List = traitlets.List().tag(sync=True)
    selected_count = traitlets.Int(0).tag(sync=True)
    reply = traitlets.Dict().tag(sync=True)  # the scatter's last message: {kind: select | click | hover, ...}

    def __init__(
        self,
        clustering: Clustering,
        *,
        color_by: str = CLUSTERS,
        xy: np.ndarray | None = None,
        hover: list[str] | None = None,
        neighbours: int = 10,
        height: int = 560,
    ) -> None:
        if not isinstance(clustering, Clustering):
            raise TypeError(
                f"Map draws a Clustering (what cl.cluster returns), not a {type(clustering).__name__}: "
                "res = cl.cluster(df, 'leiden'); cl.Map(res)."
            )
        super().__init__(height=height)
        self.clustering = clustering
        data = clustering.data
        self._ids = clustering.ids
        self._labels = np.asarray(clustering.result.labels)
        self._names = _cluster_names(clustering)
        self._xy = self._positions(xy)
        self._drawn = choose_rows(data.n, BROWSER_POINTS.whole()) if data.n > BROWSER_POINTS.whole() else None
        self._view = self._drawn if self._drawn is not None else np.arange(data.n)
        self._selected = np.zeros(0, dtype=np.int64)
        self._neighbours = np.zeros(0, dtype=np.int64)
        self._table: pd.DataFrame | None = None
        self._k = neighbours
        self._hover_columns = hover if hover is not None else hover_columns(data.metadata.columns, data.text_column)
        columns = [str(c) for c in data.metadata.columns if c not in (data.text_column, data.id_column, "row")]
        self.color_options = [CLUSTERS, *([TRUTH] if data.label_column else []), *columns]
        self._page = scatter_document()[0]
        self.xy = np.ascontiguousarray(self._xy[self._view], dtype=np.float32).tobytes()
        self.hover_text = hover_lines(
            data.metadata.iloc[self._view].reset_index(drop=True), self._hover_columns, whole=data.text_column
        )
        self.ask_hover = self.hover_text is None and bool(self._hover_columns)
        if data.image_shape and len(self._view) <= IMAGE_MAX_ROWS.whole():
            self.images = image_bytes(data.vectors[self._view])
            self.image_shape = list(data.image_shape)
        self.color_by = color_by
        self._recolour()
        self.observe(self._on_colour, names="color_by")
        self.observe(self._on_reply, names="reply")

    # ------------------------------------------------------------------ what Python reads and sets
    @property
    def selection(self) -> pd.DataFrame:
        """The selected rows (a box or lasso in the view, or set here), indexed by id, with cluster, name,
        keywords, confidence and metadata, as `Clustering.table()`."""
        return self.table.iloc[self._selected]

    @selection.setter
    def selection(self, ids) -> None:
        self._select(self._positions_of(ids), show=True)

    @property
    def neighbours(self) -> pd.DataFrame:
        """The clicked point's nearest neighbours (in the clustered vectors), nearest first, indexed by id."""
        return self.table.iloc[self._neighbours]

    @property
    def labels(self) -> pd.Series:
        """The cluster of each row drawn as "clusters", by id (-1 noise)."""
        return pd.Series(self._labels, index=self._ids, name="cluster")

    @labels.setter
    def labels(self, labels) -> None:
        """Colour by other clusters: a Clustering of the same rows, or labels by id (a Series) or in row order."""
        if isinstance(labels, Clustering):
            names = _cluster_names(labels)
            labels = labels.labels
        else:
            names = {}
        if isinstance(labels, pd.Series):
            missing = self._ids.difference(labels.index)
            if len(missing):
                raise KeyError(f"labels: no cluster for {len(missing):,} ids, e.g. {list(missing[:5])}.")
            labels = labels.reindex(self._ids)
        values = np.asarray(labels)
        if values.shape != (len(self._ids),):
            raise ValueError(f"labels: give one cluster per row ({len(self._ids):,}); got shape {values.shape}.")
        self._labels = values.astype(np.int64)
        self._names = names
        self._table = None
        if self.color_by == CLUSTERS:
            self._recolour()
        else:
            self.color_by = CLUSTERS

    @property
    def table(self) -> pd.DataFrame:
        """Every row, indexed by id: cluster, name, keywords, confidence and metadata (made once, on first use)."""
        if self._table is None:
            table = self.clustering.table()
            if not np.array_equal(table["cluster"].to_numpy(), self._labels):
                table["cluster"] = self._labels
                named = {
                    int(c): self._names.get(int(c), "noise" if c < 0 else f"cluster {c}") for c in set(self._labels)
                }
                table["cluster_name"] = [named[int(c)] for c in self._labels]
            self._table = table
        return self._table

    def recluster(self, method: str = "leiden", **params) -> Clustering:
        """Cluster the selected rows again, on their own (`cluster`'s arguments)."""
        if not len(self._selected):
            raise ValueError("nothing is selected: draw a box or lasso on the map, or set .selection to some ids.")
        data = self.clustering.data
        part = data.subset(self._selected, name=f"{data.name} (selection)")
        if data.id_column is None and "row" not in data.metadata.columns:
            part = replace(part, id_column="row")  # the subset's `row` holds the rows' ids: keep joining by them
        return cluster(part, method, **params)

    def explain(self, method: str = "imm", space: str | None = None, **params) -> Explanation:
        """Rules that tell the selected rows (cluster 1) from the others (cluster 0), in a readable space."""
        if not len(self._selected):
            raise ValueError("nothing is selected: draw a box or lasso on the map, or set .selection to some ids.")
        data = self.clustering.data
        chosen = space or (available_spaces(data, has_projection=False) or ["features"])[0]
        inside = np.zeros(data.n, dtype=np.int64)
        inside[self._selected] = 1
        return explain(build_space(data, chosen), inside, method, **params)

    def __repr__(self) -> str:
        res = self.clustering
        return (
            f"Map({res.result.method}: {res.n_clusters} clusters of {res.data.n:,} rows of {res.data.name}, "
            f"coloured by {self.color_by}, {len(self._selected):,} selected)"
        )

    # ------------------------------------------------------------------ the static picture
    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        data["image/png"] = base64.b64encode(self.picture()).decode("ascii")
        return data, metadata

    def picture(self, dpi: int = 110) -> bytes:
        """A PNG of the map as it is coloured now: what a saved notebook shows where no kernel runs."""
        from clustering.reports.figures import figure_bytes, scatter_figure  # deferred: matplotlib (0.3 s)

        rows = choose_rows(len(self._xy), MAP_PICTURE_POINTS.whole())
        codes, legend = self._colouring(self.color_by)
        title = f"{self.clustering.result.method}: {self.clustering.n_clusters} clusters, coloured by {self.color_by}"
        figure = scatter_figure(self._xy[rows], codes[rows], legend, title=title, width=9.0, height=6.0)
        return figure_bytes(figure, "png", dpi=dpi)

    # ------------------------------------------------------------------ inner workings
    def _positions(self, xy: np.ndarray | None) -> np.ndarray:
        n = self.clustering.data.n
        if xy is None:
            xy = self.clustering.result.artifacts.get("layout")
        if xy is None:
            xy, _ = layout(self.clustering.data, "umap")
        xy = np.asarray(xy, dtype=np.float32)
        if xy.shape != (n, 2) or not np.isfinite(xy).all():
            raise DataError(f"Map: xy must be {n:,} finite rows of 2 positions; got shape {xy.shape}.")
        return xy

    def _colouring(self, by: str) -> tuple[np.ndarray, list[dict]]:
        data = self.clustering.data
        if by == CLUSTERS:
            return named_colour_codes(self._labels, self._names)
        column = data.label_column if by == TRUTH else by
        if column is None or column not in data.metadata.columns:
            raise ValueError(f"color_by: {by!r} is not one of {', '.join(self.color_options)}.")
        return colour_codes(data.metadata[column], noise_negative=False)

    def _recolour(self) -> None:
        codes, legend = self._colouring(self.color_by)
        drawn = np.ascontiguousarray(codes[self._view], dtype=np.uint16)
        xy = self._xy[self._view]
        with self.hold_sync():
            self.codes = drawn.tobytes()
            self.legend = legend
            self.names_on_map = map_labels(xy, drawn, legend)
            self.data_id = hashlib.blake2b(self.codes + self.color_by.encode(), digest_size=8).hexdigest()

    def _on_colour(self, change: dict) -> None:
        try:
            self._recolour()
        except ValueError:
            self.color_by = change["old"]
            raise

    def _positions_of(self, ids) -> np.ndarray:
        """Row positions of the given ids; every id must exist."""
        if isinstance(ids, pd.Series) and ids.dtype == bool:  # a mask by id
            wanted = ids.index[ids.to_numpy()]
        else:
            wanted = pd.Index(ids if isinstance(ids, pd.Index | pd.Series | np.ndarray) else list(ids))
        found = self._ids.get_indexer(wanted)
        if (found < 0).any():
            missing = wanted[found < 0]
            raise KeyError(f"selection: {len(missing):,} ids are not rows of this map, e.g. {list(missing[:5])}.")
        return np.unique(found)

    def _select(self, rows: np.ndarray, show: bool) -> None:
        self._selected = np.asarray(rows, dtype=np.int64)
        with self.hold_sync():
            self.selected_count = len(self._selected)
            if show:
                self._mark(self._selected)

    def _mark(self, rows: np.ndarray) -> None:
        drawn = np.flatnonzero(np.isin(self._view, rows)).astype(np.uint32)
        self.marked = drawn.tobytes()
        self.marked_id = hashlib.blake2b(self.marked, digest_size=8).hexdigest() if len(rows) else ""

    def _on_reply(self, change: dict) -> None:
        reply = change["new"] or {}
        kind = reply.get("kind")
        if kind == "select":
            polygon = reply.get("polygon")
            if self._drawn is not None and polygon:
                rows = rows_in_polygon(self._xy, polygon)  # every row inside, drawn or not
            else:
                rows = self._view[np.asarray(reply.get("rows") or [], dtype=np.int64)]
            self._select(rows, show=False)
        elif kind == "click":
            row = int(self._view[int(reply["row"])])
            found, _ = nearest_rows(self.clustering.data.vectors, row, self._k)
            self._neighbours = np.asarray(found, dtype=np.int64)
            with self.hold_sync():
                self.focus = int(reply["row"])
                self._mark(self._neighbours)
        elif kind == "hover":
            row = int(self._view[int(reply["row"])])
            metadata = self.clustering.data.metadata.iloc[[row]].reset_index(drop=True)
            text = hover_lines(metadata, self._hover_columns, whole=self.clustering.data.text_column)
            self.hover_detail = {"row": int(reply["row"]), "text": text or ""}


def _cluster_names(clustering: Clustering) -> dict[int, str]:
    pairs = pd.DataFrame({"cluster": clustering.result.labels, "name": clustering.names.to_numpy()})
    pairs = pairs[pairs["cluster"] >= 0].drop_duplicates("cluster")
    return {int(c): str(n) for c, n in zip(pairs["cluster"], pairs["name"], strict=True)}
