"""Text benchmark, side by side in one run: Clusterlab against BERTopic's default pipeline on the same embeddings.

Real text with known groups, built offline (benchmarks/text_docs.py: the standard library's docstrings, labelled
by module). For each model (MiniLM, fast): embedding throughput, then Clusterlab's `auto`, Leiden and HDBSCAN and
BERTopic's defaults (its UMAP to 5 dimensions and HDBSCAN; its outliers counted as noise, as Clusterlab's are),
with ARI, AMI, clusters and seconds end to end (embedding and keywords included), each the mean of the seeds.
`--rows 1000000` times a million short texts with the fast model: texts/s, seconds per stage, peak memory.
Writes benchmarks/results/text.json.
Usage: .venv/bin/python benchmarks/text.py [--models minilm,fast] [--seeds 0,1,2] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-bench-"))

from text_docs import docstrings  # noqa: E402

from clustering.data import Dataset, encode_labels  # noqa: E402
from clustering.embed import embed_texts, load_model  # noqa: E402
from clustering.evaluate import metrics  # noqa: E402
from clustering.explainers.keywords import keyword_labels  # noqa: E402
from clustering.run.layout import layout  # noqa: E402
from clustering.run.pipeline import run  # noqa: E402

METHODS = ("auto", "leiden", "hdbscan")


def bertopic_labels(texts: list[str], vectors: np.ndarray, seed: int) -> np.ndarray:
    """BERTopic's default pipeline on given embeddings (its UMAP seeded, so runs repeat)."""
    from bertopic import BERTopic
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    topics, _ = BERTopic(umap_model=umap_model).fit_transform(texts, embeddings=vectors)
    return np.asarray(topics)


def one_model(model: str, frame: pd.DataFrame, seeds: list[int]) -> dict:
    """Embedding speed and every method's scores for one model."""
    texts = frame["text"].tolist()
    truth = encode_labels(frame["module"])
    loaded = load_model(model)
    vectors, embedding = embed_texts(texts, loaded, use_cache=False)
    embed_seconds = embedding.seconds
    rows: dict[str, dict] = {}
    data = Dataset(vectors, metadata=frame, text_column="text")
    for name in (*METHODS, "bertopic"):
        scores = []
        for seed in seeds:
            started = time.perf_counter()
            if name == "bertopic":
                labels = bertopic_labels(texts, vectors, seed)
            else:
                labels = run(data, name, {}, seed=seed).labels
                keyword_labels(frame["text"], labels, top=5)  # names, as BERTopic's topic words
            seconds = time.perf_counter() - started + embed_seconds
            clusters = len(set(labels.tolist()) - {-1})
            scores.append((metrics.ari(truth, labels), metrics.ami(truth, labels), clusters, seconds))
        ari, ami, clusters, seconds = (float(np.mean(column)) for column in zip(*scores, strict=True))
        rows[name] = {"ari": ari, "ami": ami, "clusters": clusters, "seconds": seconds}
    return {
        "model": embedding.model,
        "texts": len(texts),
        "groups": int(frame["module"].nunique()),
        "texts_per_second": embedding.texts_per_second,
        "embed_seconds": embed_seconds,
        "methods": rows,
    }


def million(rows: int, frame: pd.DataFrame) -> dict:
    """A million short texts (first sentences of the docstrings, varied) to a named map with the fast model."""
    rng = np.random.default_rng(0)
    titles = [t.split(". ")[0][:120] for t in frame["text"]]
    words = ["alpha", "beta", "report", "draft", "final", "notes", "v2", "copy", "update", "review"]
    picks = rng.integers(0, len(titles), rows)
    extras = rng.integers(0, len(words), rows)
    texts = [f"{titles[i]} {words[j]} {k}" for i, j, k in zip(picks, extras, rng.integers(0, 1000, rows), strict=True)]
    stages: dict[str, float] = {}
    started = time.perf_counter()
    vectors, embedding = embed_texts(texts, "fast", use_cache=False)
    stages["embed"] = time.perf_counter() - started
    data = Dataset(vectors, metadata=pd.DataFrame({"text": texts}), text_column="text")
    tick = time.perf_counter()
    result = run(data, "leiden", {}, seed=0, sample="auto")  # as the CLI and the app run it
    stages["cluster"] = time.perf_counter() - tick
    tick = time.perf_counter()
    layout(vectors, "umap", seed=0, sample="auto")
    stages["layout"] = time.perf_counter() - tick
    tick = time.perf_counter()
    keyword_labels(pd.Series(texts), result.labels, top=5)
    stages["keywords"] = time.perf_counter() - tick
    return {
        "rows": rows,
        "texts_per_second": embedding.texts_per_second,
        "seconds": stages,
        "total_seconds": time.perf_counter() - started,
        "clusters": result.n_clusters,
        "peak_memory_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def show(found: dict) -> None:
    """The table, with ratios against BERTopic measured in the same run."""
    for entry in found["models"]:
        model = entry["model"]["name"]
        print(
            f"\n{model}: {entry['texts']:,} texts, {entry['groups']} groups, {entry['texts_per_second']:,.0f} texts/s"
        )
        peer = entry["methods"]["bertopic"]
        print(f"{'method':<10} {'ARI':>6} {'AMI':>6} {'clusters':>8} {'s':>7}  ARI vs BERTopic  time vs BERTopic")
        for name, row in entry["methods"].items():
            print(
                f"{name:<10} {row['ari']:6.3f} {row['ami']:6.3f} {row['clusters']:8.1f} {row['seconds']:7.1f}  "
                f"{row['ari'] / max(peer['ari'], 1e-9):>14.2f}x  {row['seconds'] / max(peer['seconds'], 1e-9):>15.2f}x"
            )
    if "million" in found:
        big = found["million"]
        stages = ", ".join(f"{k} {v:.0f} s" for k, v in big["seconds"].items())
        print(
            f"\n{big['rows']:,} texts (fast model): {big['texts_per_second']:,.0f} texts/s; {stages}; "
            f"{big['total_seconds']:.0f} s in all; peak memory {big['peak_memory_gb']:.1f} GB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="minilm,fast")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--rows", type=int, default=0, help="also time this many short texts (fast model)")
    args = parser.parse_args()
    frame = docstrings()
    seeds = [int(s) for s in args.seeds.split(",")]
    found: dict = {"models": [one_model(m, frame, seeds) for m in args.models.split(",") if m]}
    if args.rows:
        found["million"] = million(args.rows, frame)
    show(found)
    out = ROOT / "benchmarks" / "results" / "text.json"
    if out.exists():  # a run of one part keeps the other part's last figures
        kept = json.loads(out.read_text())
        found = {**kept, **{k: v for k, v in found.items() if v}}
    out.write_text(json.dumps(found, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
