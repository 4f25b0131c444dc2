"""Size limits checked from what a file declares, before anything is read or decompressed."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clustering.data import DataError
from clustering.io import load

ROOT = Path(__file__).resolve().parent.parent


# --- 4. limits checked before reading ------------------------------------------------------------------------


def test_five_million_column_csv_refused_fast(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["c"] * 5_000_000) + "\n")
    start = time.perf_counter()
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_COLUMNS"):
        load(path)
    assert time.perf_counter() - start < 10


def test_repeated_column_names_read_in_linear_time(tmp_path):
    path = tmp_path / "dup.csv"
    rows = [",".join(["x"] * 20_000)] + [",".join(str(i + j % 7) for j in range(20_000)) for i in range(4)]
    path.write_text("\n".join(rows) + "\n")
    start = time.perf_counter()
    data = load(path)
    assert data.d == 20_000 and data.feature_names[:3] == ["x", "x.1", "x.2"]
    assert time.perf_counter() - start < 20  # pandas' own renaming took minutes at this width


def test_npz_bomb_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, embeddings=np.zeros((4000, 4000), dtype=np.float32))  # 61 MB expands
    assert path.stat().st_size < 1_000_000
    start = time.perf_counter()
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(path, max_mb=16)
    assert time.perf_counter() - start < 2


def test_npy_header_declaring_a_huge_array_is_refused(tmp_path):
    from numpy.lib import format as npy_format

    path = tmp_path / "liar.npy"
    with open(path, "wb") as handle:
        npy_format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 1000)})
        handle.write(b"\x00" * 64)
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(path)


def test_npz_member_declaring_more_than_it_holds(tmp_path):
    import io

    from numpy.lib import format as npy_format

    member = io.BytesIO()
    npy_format.write_array_header_1_0(member, {"descr": "<f4", "fortran_order": False, "shape": (10**8, 100)})
    with zipfile.ZipFile(tmp_path / "liar.npz", "w") as archive:
        archive.writestr("embeddings.npy", member.getvalue() + b"\x00" * 16)
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(tmp_path / "liar.npz")


def test_random_bytes_npy_is_not_called_a_pickle(tmp_path):
    path = tmp_path / "r.npy"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(DataError, match="not a NumPy .npy array") as error:
        load(path)
    assert "pickle" not in str(error.value)


def test_object_npy_is_still_refused_as_pickle(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="pickled Python objects"):
        load(tmp_path / "o.npy")


def test_parquet_wider_than_the_limit_refused_from_its_footer(tmp_path):
    frame = pd.DataFrame(np.zeros((5, 50), dtype=np.float32), columns=[f"c{i}" for i in range(50)])
    frame.to_parquet(tmp_path / "w.parquet")
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_COLUMNS"):
        load(tmp_path / "w.parquet", max_columns=20)
