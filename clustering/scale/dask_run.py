"""Ten million rows out of core, on Dask: sample, fit, broadcast the fitted state, assign every part.

1. Each worker reads its parts and returns only the sampled rows (SAMPLE_ROWS in all).
2. The client fits the method and the layout on the sample (`clustering.run.sampled.fit_sample`).
3. The fitted `SampleModel` (sample vectors, labels, layout, a faiss index) is scattered to every worker once.
4. One task per part reads it, labels and places its rows, and writes `part-NNNNN.parquet` (row_id, cluster,
   confidence, x, y and any kept columns) into the output folder; it returns counts, never rows.

No process holds the whole matrix: a worker holds one part (PART_ROWS rows or a parquet row group) and the
model. Workers are bounded by the setting CLUSTERLAB_WORKER_MEMORY (`--worker-memory`); Dask spills, pauses
and restarts a worker that goes past it. Progress counts rows written; a set `cancel` event cancels every
pending task.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from clustering.data import DataError
from clustering.evaluate.metrics import ari_from_contingency
from clustering.graph.projection import execution
from clustering.limits import SAMPLE_ROWS
from clustering.progress import Cancelled, Progress
from clustering.run.model import SampleModel
from clustering.run.sampled import SAMPLING, fit_sample, second_pass
from clustering.scale.dask_cover import covering_rows_on_dask, relabel_part
from clustering.scale.sources import Part, Source, open_source

WORKER_MEMORY = os.environ.get("CLUSTERLAB_WORKER_MEMORY", "4GB")  # memory limit of each local worker
POLL_SECONDS = 0.25  # how often a waiting run looks at its cancel event


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, worker_memory: str | None = None) -> Iterator:
    """A `distributed.Client`: to the scheduler at `scheduler`, else to a new LocalCluster closed on exit.

    The LocalCluster has `workers` single-threaded worker processes (default: one per core), each limited to
    `worker_memory` (default: the setting CLUSTERLAB_WORKER_MEMORY, 4GB).
    """
    # deferred: the Dask path only
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as error:
            raise DataError(
                f"could not reach the Dask scheduler at {scheduler} ({error}); "
                "check the address, or leave the scheduler setting empty for a local cluster."
            ) from error
        try:
            yield client
        finally:
            client.close()
        return
    # deferred: the Dask path only
    from dask.utils import parse_bytes

    memory = worker_memory or WORKER_MEMORY
    try:
        parse_bytes(memory)
    except (ValueError, TypeError):
        raise DataError(
            f"worker memory {memory!r}: give a size such as 4GB (--worker-memory, setting CLUSTERLAB_WORKER_MEMORY)."
        ) from None
    if workers is not None and not 1 <= workers <= 1024:
        raise DataError(f"{workers} workers: give a number from 1 to 1024.")
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        memory_limit=memory,
        dashboard_address=":0",  # any free port: two clusters (or a user's own) never clash over 8787
        silence_logs=logging.CRITICAL,  # a failed task is reported once, as one DataError line, not as worker logs
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def check_output_folder(out: Path, source: Source) -> None:
    """The output folder must be new or empty and lie outside the input."""
    inputs = Path(source.path).resolve()
    target = out.resolve()
    if target == inputs or inputs in target.parents:
        raise DataError(f"--out {out} is inside the input {source.path}; write the labels to another folder.")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"--out {out} exists and is not an empty folder; name a new folder, nothing is overwritten.")


COMPUTED_COLUMNS = ("row_id", "cluster", "confidence", "uncovered", "x", "y")


def kept_column_names(keep: tuple[str, ...]) -> dict[str, str]:
    """Each kept input column's name in the output: computed columns win, a clashing kept one becomes `input_NAME`."""
    names: dict[str, str] = {}
    for column in keep:
        name = column
        while name in COMPUTED_COLUMNS or name in names.values():
            name = f"input_{name}"
        names[column] = name
    return names


def _sample_part(source: Source, part: Part, rows: np.ndarray) -> np.ndarray:
    return source.take(part, rows)


def _assign_part(
    source: Source, part: Part, model: SampleModel, out: str, truth_column: str | None, keep: tuple[str, ...]
) -> dict:
    """Label, place and write one part; return its row count, cluster sizes, truth contingency and its uncovered
    rows (ids, vectors, votes), as long as there are no more of them than the sample has rows."""
    # deferred: a heavy native library, loaded on first search
    import faiss

    faiss.omp_set_num_threads(1)  # one task per worker thread
    rows = np.arange(part.start, part.start + part.rows, dtype=np.int64)
    x = source.read(part)
    done = model.assign(x, rows=rows)
    columns: dict = {"row_id": rows}
    far = done.uncovered if done.uncovered is not None else np.zeros(len(rows), dtype=bool)
    if model.clustered:
        columns.update(cluster=done.labels, confidence=done.confidence, uncovered=far)
    if done.xy is not None:
        columns["x"], columns["y"] = done.xy[:, 0], done.xy[:, 1]
    for name, output in kept_column_names(keep).items():
        columns[output] = source.read_column(part, name)
    target = Path(out) / f"part-{part.index:05d}.parquet"
    temporary = target.with_suffix(".parquet.tmp")
    pq.write_table(pa.table(columns), temporary)
    os.replace(temporary, target)
    summary: dict = {"rows": part.rows, "sizes": Counter(done.labels.tolist()), "peak_rss_mb": peak_rss_mb()}
    looked = (far | (done.labels < 0)) if model.clustered else far  # as `sampled.second_pass` looks again
    summary["uncovered"], summary["looked"] = int(far.sum()), int(looked.sum())
    if 0 < summary["looked"] <= len(model.rows):
        summary["far"] = (rows[looked], x[looked], done.labels[looked], done.confidence[looked], far[looked])
    if truth_column:
        truth = source.read_column(part, truth_column)
        summary["contingency"] = Counter(zip(truth.tolist(), done.labels.tolist()))
    return summary


def run_on_dask(
    client,
    source: Source,
    method: str | None,
    params: dict | None,
    out: str | Path,
    *,
    sample_rows: int | None = None,
    layout: str | None = "umap",
    preprocess: str = "none",
    seed: int = 0,
    truth_column: str | None = None,
    keep: tuple[str, ...] = (),
    opened: dict | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """Cluster every row of `source` on the Dask cluster behind `client`; write partitioned parquet to `out`.

    `opened` (the `open_source` options: columns, key, keep) is written to run.json, so the input can be opened
    again as it was (`clustering.scale.keep`).

    Returns the run's summary (also written to ``out/run.json``): method, exact parameters, sample, timings,
    cluster sizes and, with `truth_column`, the ARI against it.
    """
    sample_rows = SAMPLE_ROWS.whole() if sample_rows is None else sample_rows

    out = Path(out)
    check_output_folder(out, source)
    start = time.perf_counter()
    rows, sample = covering_rows_on_dask(
        client,
        source,
        sample_rows,
        seed,
        read=lambda wanted, low, high: read_sample(client, source, wanted, progress, cancel, low, high),
        gather=lambda futures, verb, low, high: _gather(
            client, futures, progress, cancel, verb, source.n_rows, low, high
        ),
    )
    read = time.perf_counter()
    model, result = fit_sample(
        sample,
        rows,
        method,
        params,
        preprocess=preprocess,
        seed=seed,
        layout=layout,
        progress=lambda stage, share: _say(progress, stage, 0.1 + 0.3 * share),
        cancel=cancel,
    )
    del sample
    fitted = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    shared = client.scatter(model, broadcast=True)
    futures = [
        client.submit(
            _assign_part, source, part, shared, str(out), truth_column if method else None, tuple(keep), pure=False
        )
        for part in source.parts
    ]
    outputs = _gather(client, futures, progress, cancel, "assigned", source.n_rows, 0.4, 1.0)
    second = None
    if method and result is not None and model.scale is not None:
        second = second_look(client, source, model, outputs, method, result.params, str(out), truth_column, seed)
    sizes: Counter = Counter()
    contingency: Counter = Counter()
    peak = max(output["peak_rss_mb"] for output in outputs)
    for output in outputs:
        sizes.update(output["sizes"])
        contingency.update(output.get("contingency", {}))
    summary = {
        "input": source.path,
        "out": str(out),
        "rows": source.n_rows,
        "dim": source.dim,
        "parts": len(source.parts),
        "method": method,
        "params": result.params if result is not None else None,
        "seed": seed,
        "preprocess": preprocess,
        "layout": {"method": layout, **execution(layout)} if layout else None,
        "sample": {**model.describe(), "sampling": SAMPLING, **({"second_pass": second} if second else {})},
        "n_clusters": len([c for c in sizes if c >= 0]) if method else None,
        "noise": int(sizes.get(-1, 0)) if method else None,
        "sizes": {str(c): int(n) for c, n in sorted(sizes.items())} if method else None,
        "workers": len(client.scheduler_info()["workers"]),
        "worker_peak_rss_mb": round(peak, 1),
        "seconds": {
            "sample_read": read - start,
            "sample_fit": fitted - read,
            "assign": time.perf_counter() - fitted,
            "total": time.perf_counter() - start,
        },
        "files": sorted(p.name for p in out.glob("part-*.parquet")),
        "renamed_columns": {k: v for k, v in kept_column_names(tuple(keep)).items() if k != v},
        "opened": opened or {},
    }
    if truth_column and method:
        summary["truth_column"] = truth_column
        summary["ari"] = ari_from_contingency(contingency)
    (out / "run.json").write_text(json.dumps(summary, indent=2, default=str))
    _say(progress, "done", 1.0)
    return summary


def second_look(
    client,
    source: Source,
    model: SampleModel,
    outputs: list[dict],
    method: str,
    params: dict,
    out: str,
    truth_column: str | None,
    seed: int,
) -> dict:
    """The rows the sample did not cover and the rows its noise took, clustered again on the client
    (`sampled.second_pass`); the parts holding them rewritten, and their summaries in `outputs` replaced."""
    counts = [output["looked"] for output in outputs]
    total, uncovered = sum(counts), sum(output["uncovered"] for output in outputs)
    if total == 0:
        return {"uncovered_rows": 0, "noise_voted_rows": 0, "clusters": 0, "noise_rows": 0}
    touched = [i for i, output in enumerate(outputs) if output["uncovered"]]
    updates: dict[int, tuple] = {}
    if total > len(model.rows):  # as `second_pass`: too many to cluster again; the uncovered become noise
        updates = dict.fromkeys(touched, (None, None, None))
        info = {"uncovered_rows": uncovered, "noise_voted_rows": total - uncovered, "clusters": 0, "noise_rows": total}
        info["why_noise"] = f"more rows than the sample ({len(model.rows):,})"
    else:
        touched = [i for i, count in enumerate(counts) if count]
        ids, x, labels, confidence, far = (np.concatenate([outputs[i]["far"][k] for i in touched]) for k in range(5))
        largest = max((c for output in outputs for c in output["sizes"] if c >= 0), default=-1)
        info = second_pass(model, x, far, labels, confidence, method, params, seed=seed, offset=largest + 1)
        for i in touched:
            mine = (ids >= source.parts[i].start) & (ids < source.parts[i].start + source.parts[i].rows)
            updates[i] = (ids[mine], labels[mine], confidence[mine])
    futures = [
        client.submit(relabel_part, out, source.parts[i], *updates[i], source, truth_column, pure=False)
        for i in touched
    ]
    for i, summary in zip(touched, client.gather(futures)):
        outputs[i].update(summary)
    return info


def cluster_out_of_core(
    path: str,
    method: str | None,
    params: dict | None,
    out: str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    worker_memory: str | None = None,
    columns: list[str] | None = None,
    key: str | None = None,
    keep: tuple[str, ...] = (),
    truth_column: str | None = None,
    sample_rows: int | None = None,
    layout: str | None = "umap",
    preprocess: str = "none",
    seed: int = 0,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict:
    """Open the input at `path` (`open_source`), connect (`dask_client`) and run (`run_on_dask`); the summary.

    One call for the CLI and the app: plain values in, plain values out, so it can run in a worker process.
    """
    sample_rows = SAMPLE_ROWS.whole() if sample_rows is None else sample_rows

    source = open_source(path, columns=columns, key=key, keep=[*keep, *([truth_column] if truth_column else [])])
    check_output_folder(Path(out), source)
    _say(progress, f"starting Dask ({'scheduler ' + scheduler if scheduler else 'local cluster'})", 0.0)
    with dask_client(scheduler, workers, worker_memory) as client:
        return run_on_dask(
            client,
            source,
            method,
            params,
            out,
            sample_rows=sample_rows,
            layout=layout,
            preprocess=preprocess,
            seed=seed,
            truth_column=truth_column,
            keep=keep,
            opened={"columns": columns, "key": key, "keep": [*keep, *([truth_column] if truth_column else [])]},
            progress=progress,
            cancel=cancel,
        )


def read_sample(
    client,
    source: Source,
    rows: np.ndarray,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    low: float = 0.01,
    high: float = 0.1,
) -> np.ndarray:
    """The rows `rows` (sorted ids) of the source, each part read by a worker that returns only its share
    (progress from `low` to `high`)."""
    _say(progress, f"reading a sample of {len(rows):,} rows from {len(source.parts)} parts", low)
    futures = []
    for part in source.parts:
        first, last = np.searchsorted(rows, [part.start, part.start + part.rows])
        if last > first:
            futures.append(client.submit(_sample_part, source, part, rows[first:last], pure=False))
    return np.concatenate(_gather(client, futures, progress, cancel, "sampled", len(rows), low, high))


def _gather(client, futures: list, progress, cancel, verb: str, total: int, low: float, high: float) -> list:
    """Results in submission order, waiting with progress (rows) and cancel."""
    pending = set(futures)
    try:
        _wait_all(client, futures, pending, progress, cancel, verb, total, low, high)
    except BaseException:  # an error, Ctrl-C or a cancel: nothing of this run keeps running
        client.cancel(futures)
        raise
    return [future.result() for future in futures]


def _wait_all(client, futures, pending, progress, cancel, verb, total, low, high) -> None:
    # deferred: the Dask path only
    from distributed import wait

    done_rows = 0
    while pending:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled: {done_rows:,} of {total:,} rows {verb}")
        try:
            finished, pending = wait(pending, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        except TimeoutError:  # nothing finished yet: look at the cancel event again
            continue
        for future in finished:
            value = future.result()  # a failed task raises its own error (a DataError naming file and row)
            done_rows += value["rows"] if isinstance(value, dict) else len(value)
        if finished:
            _say(progress, f"{done_rows:,} / {total:,} rows {verb}", low + (high - low) * done_rows / max(total, 1))


def peak_rss_mb() -> float:
    """The process's own peak resident memory so far, in MB: Linux's VmHWM. ru_maxrss would start at the RSS its
    parent had when it forked (a worker spawned by a 2 GB process read 2 GB), so it is only the fallback."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _say(progress: Progress | None, message: str, share: float) -> None:
    if progress is not None:
        progress(message, share)


def read_drawn(out: str | Path, most: int, seed: int = 0) -> dict:
    """At most `most` random rows of a run's output (row_id, cluster, x, y), for a scatter of a huge run."""

    files = sorted(Path(out).glob("part-*.parquet"))
    if not files:
        raise DataError(f"{out}: no part-*.parquet files; is this a run's output folder?")
    total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    rng = np.random.default_rng(seed)
    share = min(1.0, most / max(total, 1))
    pieces = []
    for file in files:
        table = pq.read_table(
            file, columns=[c for c in ("row_id", "cluster", "x", "y") if c in pq.read_schema(file).names]
        )
        keep = rng.random(table.num_rows) < share if share < 1 else np.ones(table.num_rows, bool)
        pieces.append(table.filter(pa.array(keep)))
    table = pa.concat_tables(pieces)
    return {"total": total, **{name: table.column(name).to_numpy() for name in table.column_names}}


def read_labels(out: str | Path) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """A Dask run's output folder read back in full (row order): labels, confidence and layout (or None).

    For inputs that fit in memory (tests, the app's sampled view); the parts are checked to cover every row.
    """

    folder = Path(out)
    files = sorted(folder.glob("part-*.parquet"))
    if not files:
        raise DataError(f"{folder}: no part-*.parquet files; is this a run's output folder?")
    table = pa.concat_tables([pq.read_table(file) for file in files]).sort_by("row_id")
    row_id = table.column("row_id").to_numpy()
    if not np.array_equal(row_id, np.arange(len(row_id))):
        raise DataError(f"{folder}: the parts do not cover rows 0..{len(row_id) - 1} exactly once.")
    labels = confidence = None
    if "cluster" in table.column_names:
        labels = table.column("cluster").to_numpy().astype(np.int32)
        confidence = table.column("confidence").to_numpy()
    xy = None
    if "x" in table.column_names:
        xy = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()]).astype(np.float32)
    return labels, confidence, xy
