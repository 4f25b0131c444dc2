"""Loader: every format, every bad-input case gives a DataError that says where and what to do."""

import gzip
import zipfile

import anndata
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.data import DataError, Dataset
from clustering.io import column_std, duplicate_rows, load, nonfinite_rows


@pytest.fixture
def matrix():
    return np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32)


def test_npy_roundtrip(tmp_path, matrix):
    path = tmp_path / "x.npy"
    np.save(path, matrix)
    ds = load(path)
    assert ds.vectors.shape == (20, 5) and ds.vectors.dtype == np.float32
    np.testing.assert_array_equal(ds.vectors, matrix)
    assert len(ds.fingerprint) == 32


def test_fingerprint_is_content_hash(tmp_path, matrix):
    np.save(tmp_path / "a.npy", matrix)
    np.save(tmp_path / "b.npy", matrix.copy())
    np.save(tmp_path / "c.npy", matrix + 1)
    a, b, c = (load(tmp_path / f"{n}.npy").fingerprint for n in "abc")
    assert a == b != c


def test_npz_prefers_embeddings_key_and_keeps_1d_arrays_as_metadata(tmp_path, matrix):
    path = tmp_path / "x.npz"
    np.savez(path, other=np.zeros((20, 2)), embeddings=matrix, label=np.arange(20))
    ds = load(path)
    assert ds.vectors.shape == (20, 5)
    assert list(ds.metadata["label"]) == list(range(20))


def test_npz_only_2d_array_and_key(tmp_path, matrix):
    path = tmp_path / "x.npz"
    np.savez(path, vecs=matrix, ids=np.arange(20))
    assert load(path).vectors.shape == (20, 5)
    path2 = tmp_path / "y.npz"
    np.savez(path2, a=matrix, b=matrix[:, :2])
    with pytest.raises(DataError, match="several 2-D arrays.*--key"):
        load(path2)
    assert load(path2, key="b").vectors.shape == (20, 2)
    with pytest.raises(DataError, match="no array named 'zz'"):
        load(path2, key="zz")


def test_csv_numeric_columns_are_vectors_others_metadata(tmp_path):
    path = tmp_path / "x.csv"
    frame = pd.DataFrame(
        {"id": range(5), "a": np.arange(5.0), "b": np.arange(5.0) ** 2, "text": list("vwxyz"), "label": [0, 1, 0, 1, 1]}
    )
    frame.to_csv(path, index=False)
    ds = load(path)
    assert ds.feature_names == ["a", "b"]
    assert set(ds.metadata.columns) == {"id", "text", "label"}
    assert ds.id_column == "id" and ds.label_column == "label"
    assert load(path, columns=["b"]).feature_names == ["b"]


def test_tsv(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\n1\t2\n3\t4\n5\t7\n")
    assert load(path).vectors.shape == (3, 2)


def test_parquet_list_column_and_numeric_columns(tmp_path, matrix):
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"embedding": list(matrix), "name": [f"r{i}" for i in range(20)]}), path)
    ds = load(path)
    assert ds.vectors.shape == (20, 5) and list(ds.metadata.columns) == ["name"]
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), 5)
    pq.write_table(pa.table({"vec": fixed, "k": np.arange(20)}), tmp_path / "f.parquet")
    assert load(tmp_path / "f.parquet").vectors.shape == (20, 5)
    pq.write_table(pa.table({"a": matrix[:, 0], "b": matrix[:, 1], "t": ["x"] * 20}), tmp_path / "n.parquet")
    assert load(tmp_path / "n.parquet").feature_names == ["a", "b"]


def test_h5ad_x_and_obsm(tmp_path, matrix):
    path = tmp_path / "x.h5ad"
    adata = anndata.AnnData(X=matrix, obs=pd.DataFrame({"cell": list("ab" * 10)}, index=[f"c{i}" for i in range(20)]))
    adata.obsm["X_pca"] = matrix[:, :3]
    adata.write_h5ad(path)
    ds = load(path)
    assert ds.vectors.shape == (20, 5) and "cell" in ds.metadata
    assert load(path, key="X_pca").vectors.shape == (20, 3)
    with pytest.raises(DataError, match="no obsm\\['nope'\\]"):
        load(path, key="nope")


# --- bad input: each case names file, place and remedy --------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load(tmp_path / "nope.npy")


def test_unknown_extension(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("1,2")
    with pytest.raises(DataError, match="unknown extension '.xlsx'"):
        load(path)


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".csv", ".parquet", ".h5ad"])
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        load(path)


def test_header_only_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(DataError, match="no data rows"):
        load(path)


def test_one_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="only 1 row.*at least 3"):
        load(path)


def test_two_rows_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 3)))
    with pytest.raises(DataError, match="only 2 row"):
        load(tmp_path / "x.npy")


def test_ragged_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6,7\n")
    with pytest.raises(DataError, match="different numbers of fields.*line 3"):
        load(path)


def test_mixed_type_csv_names_row_and_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,oops\n5,6\n7,8\n")
    with pytest.raises(DataError, match="column 'b' mixes numbers and text: row 2 holds 'oops'"):
        load(path)


def test_non_numeric_vector_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\nx,y\nz,w\nu,v\n")
    with pytest.raises(DataError, match="no numeric feature columns"):
        load(path)
    with pytest.raises(DataError, match="column 'a'"):
        load(path, columns=["a"])


def test_nan_and_inf_reported_with_positions_and_drop_option(tmp_path, matrix):
    bad = matrix.copy()
    bad[3, 1] = np.nan
    bad[7, 0] = np.inf
    path = tmp_path / "x.npy"
    np.save(path, bad)
    with pytest.raises(DataError, match=r"1 NaN and 1 infinite value\(s\) in 2 row\(s\), first at row 3 column 1"):
        load(path)
    ds = load(path, drop_nonfinite=True)
    assert ds.n == 18
    assert any("dropped 2 row(s)" in w for w in ds.warnings)
    assert np.isnan(np.load(path)).sum() == 1  # the user's file is untouched


def test_drop_nonfinite_keeps_metadata_aligned(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,name\n1,2,p\n,4,q\n5,6,r\n7,8,s\n")
    ds = load(path, drop_nonfinite=True)
    assert list(ds.metadata["name"]) == ["p", "r", "s"]


@pytest.mark.parametrize("shape", [(10,), (4, 3, 2)])
def test_wrong_dimensions(tmp_path, shape):
    np.save(tmp_path / "x.npy", np.zeros(shape))
    with pytest.raises(DataError, match="1-D array|3-D array"):
        load(tmp_path / "x.npy")


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "x.npy", np.array([{"a": 1}, {"b": 2}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="pickled Python objects, which are never loaded"):
        load(tmp_path / "x.npy")


def test_pickled_npz_member_is_refused(tmp_path):
    np.savez(tmp_path / "x.npz", embeddings=np.array([[{"a": 1}]] * 3, dtype=object))
    with pytest.raises(DataError, match="pickled"):
        load(tmp_path / "x.npz")


def test_truncated_npy(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        load(tmp_path / "t.npy")


def test_corrupt_npz_and_parquet_and_h5ad(tmp_path):
    for name in ("x.npz", "x.parquet", "x.h5ad"):
        (tmp_path / name).write_bytes(b"this is not a real file" * 10)
        with pytest.raises(DataError, match=str(tmp_path / name)):
            load(tmp_path / name)


def test_parquet_ragged_vectors(tmp_path):
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"embedding": [[1.0, 2.0], [3.0, 4.0], [5.0], [6.0, 7.0]]}), path)
    with pytest.raises(DataError, match="row 0 has 2, row 2 has 1"):
        load(path)


def test_parquet_null_and_text_vectors(tmp_path):
    pq.write_table(pa.table({"embedding": [[1.0, 2.0], None, [3.0, 4.0], [5.0, 6.0]]}), tmp_path / "n.parquet")
    with pytest.raises(DataError, match="null.*row 1"):
        load(tmp_path / "n.parquet")
    pq.write_table(pa.table({"embedding": [["a"], ["b"], ["c"]]}), tmp_path / "s.parquet")
    with pytest.raises(DataError, match="not numbers"):
        load(tmp_path / "s.parquet")


def test_size_limit(tmp_path, matrix):
    np.save(tmp_path / "x.npy", matrix)
    with pytest.raises(DataError, match="over the .* MB limit"):
        load(tmp_path / "x.npy", max_mb=0.0001)
    with pytest.raises(DataError, match="over the limit of 10"):
        load(tmp_path / "x.npy", max_rows=10)


def test_constant_columns_and_duplicates_are_warnings(tmp_path):
    x = np.array([[1, 0, 2], [1, 1, 3], [1, 1, 3], [1, 2, 5]], dtype=float)
    np.save(tmp_path / "x.npy", x)
    ds = load(tmp_path / "x.npy")
    assert any("1 constant column" in w for w in ds.warnings)
    assert any("1 duplicate row" in w for w in ds.warnings)


def test_gzip_disguised_as_csv(tmp_path):
    (tmp_path / "x.csv").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    with pytest.raises(DataError):
        load(tmp_path / "x.csv")


def test_zip_with_no_arrays(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.npz", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DataError):
        load(tmp_path / "x.npz")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".npy", ".npz", ".csv", ".tsv", ".parquet", ".h5ad"]))
def test_any_bytes_give_dataset_or_data_error(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        ds = load(path)
    except DataError as error:
        assert str(path) in str(error) or "fuzz" in str(error)
    else:
        assert isinstance(ds, Dataset) and ds.n >= 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="0123456789.,-e\n abnaN", max_size=300))
def test_any_csv_text_gives_dataset_or_data_error(tmp_path, text):
    path = tmp_path / "fuzz.csv"
    path.write_text(text)
    try:
        load(path)
    except DataError:
        pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=400))
def test_truncated_valid_files(tmp_path, cut):
    x = np.arange(60, dtype=np.float32).reshape(20, 3)
    for suffix, write in (
        (".npy", lambda p: np.save(p, x)),
        (".npz", lambda p: np.savez(p, embeddings=x)),
        (".parquet", lambda p: pq.write_table(pa.table({"embedding": list(x)}), p)),
    ):
        full = tmp_path / f"full{suffix}"
        write(full)
        data = full.read_bytes()
        part = tmp_path / f"part{suffix}"
        part.write_bytes(data[: max(1, len(data) - cut)])
        try:
            load(part)
        except DataError:
            pass


def test_a_dataset_is_a_value_nothing_changes_it():
    import dataclasses

    from clustering.data import Dataset

    data = Dataset(np.arange(12, dtype=np.float64).reshape(4, 3), pd.DataFrame({"a": list("wxyz")}))
    fingerprint = data.fingerprint
    with pytest.raises(ValueError):
        data.vectors[0, 0] = 99  # read-only: the fingerprint always describes the vectors
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"
    more = data.with_metadata(b=[1, 2, 3, 4])
    assert list(more.metadata.columns) == ["a", "b"] and list(data.metadata.columns) == ["a"]
    assert more.fingerprint == fingerprint
    scaled = dataclasses.replace(data, vectors=data.vectors * 2)
    assert scaled.fingerprint != fingerprint and data.fingerprint == fingerprint


def products_csv(path, with_price=True):
    from sklearn.datasets import make_blobs

    x, y = make_blobs(600, n_features=16, centers=5, random_state=0)
    frame = pd.DataFrame(x, columns=[f"emb_{i}" for i in range(16)])
    if with_price:
        frame["price"] = np.random.default_rng(0).gamma(2, 50, 600)
    frame["category"] = np.array(list("ABCDE"))[y]
    frame.to_csv(path, index=False)
    return path


def test_numeric_metadata_beside_a_named_embedding_stays_metadata(tmp_path):
    from clustering.io import load

    data = load(products_csv(tmp_path / "products.csv"))
    assert data.feature_names == [f"emb_{i}" for i in range(16)]
    assert list(data.metadata.columns) == ["price", "category"]
    assert any("price kept as metadata" in w for w in data.warnings)
    chosen = load(tmp_path / "products.csv", columns=[f"emb_{i}" for i in range(16)] + ["price"])
    assert chosen.d == 17 and not any("kept as metadata" in w for w in chosen.warnings)
    assert any("feature scale: 'price'" in w for w in chosen.warnings)  # said when price is chosen as a feature


def test_unrelated_numeric_names_are_all_features(tmp_path):
    from clustering.io import load

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=["height", "width", "depth"])
    frame.to_csv(tmp_path / "plain.csv", index=False)
    assert load(tmp_path / "plain.csv").feature_names == ["height", "width", "depth"]


def test_cli_info_prints_the_feature_and_metadata_split(tmp_path, capsys):
    from clustering.cli import main

    assert main(["info", str(products_csv(tmp_path / "p.csv"))]) == 0
    out = capsys.readouterr().out
    assert "features (16): emb_0, emb_1, emb_2 … emb_15" in out and "metadata columns: price, category" in out


def test_a_bare_stem_beside_its_numbered_columns_is_one_embedding(tmp_path):
    from clustering.io import embedding_columns

    assert embedding_columns(["x", "x.1", "x.2"]) == ["x", "x.1", "x.2"]
    assert embedding_columns(["emb_0", "emb_1", "price"]) == ["emb_0", "emb_1"]
    assert embedding_columns(["a1", "b2", "c3"]) == ["a1", "b2", "c3"]  # no shared stem: all numeric columns


def test_column_spread_in_blocks_matches_numpy_at_any_offset_and_scale():
    """The scale warning's spread, computed a block at a time, is numpy's float64 std (even far from zero)."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(10_001, 4)) * [1, 1e-3, 1e3, 0] + [1e6, 0, -5, 7]).astype(np.float32)
    np.testing.assert_allclose(column_std(x, block_rows=999), x.std(axis=0, dtype=np.float64), rtol=1e-9, atol=1e-12)


def test_duplicate_rows_are_counted_exactly_even_when_hashes_collide(monkeypatch):
    """Rows that share a hash are compared byte for byte: a hash that collides for every row changes nothing."""
    import clustering.io.checks as io_module

    x = np.random.default_rng(1).normal(size=(500, 7)).astype(np.float32)
    repeated = np.vstack([x, x[:20], x[:3], x[7:8]])
    assert duplicate_rows(x) == 0 and duplicate_rows(repeated) == 24
    monkeypatch.setattr(io_module, "hash", lambda _: 7, raising=False)
    assert duplicate_rows(x) == 0 and duplicate_rows(repeated) == 24


def test_nonfinite_rows_found_across_blocks():
    x = np.zeros((1_000, 5), dtype=np.float32)
    x[[0, 99, 100, 999], [4, 0, 2, 1]] = [np.nan, np.inf, -np.inf, np.nan]
    np.testing.assert_array_equal(nonfinite_rows(x, block_rows=100), [0, 99, 100, 999])
    assert len(nonfinite_rows(x[1:99], block_rows=7)) == 0


def test_loading_an_npy_holds_the_matrix_about_once(tmp_path):
    """The file's array becomes the dataset's own (no defensive copy) and the checks work a block at a time:
    1M x 384 once peaked at 5 GB for 1.5 GB of vectors."""
    import tracemalloc

    x = np.random.default_rng(0).normal(size=(10_000, 1_000)).astype(np.float32)  # 40 MB
    np.save(tmp_path / "wide.npy", x)
    del x
    tracemalloc.start()
    try:
        data = load(tmp_path / "wide.npy")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not data.vectors.flags.writeable and data.vectors.shape == (10_000, 1_000)
    assert peak < 1.4 * data.vectors.nbytes, f"peak {peak / 2**20:.0f} MB for {data.vectors.nbytes / 2**20:.0f} MB"
