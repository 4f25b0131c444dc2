"""The `clusterlab` command: stable JSON keys, labels file, clear errors with exit status 2."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from clustering.cli import main


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_samples_lists_bundled(capsys):
    code, out, _ = run_cli(["samples"], capsys)
    assert code == 0
    for name in ("digits", "mnist-test", "python-docs", "pbmc"):
        assert f"sample:{name}" in out


def test_info_json(capsys):
    code, out, _ = run_cli(["info", "sample:digits", "--json"], capsys)
    info = json.loads(out)
    assert code == 0 and info["shape"] == [1797, 64] and info["nan_count"] == 0 and "label" in info["metadata_columns"]
    assert len(info["fingerprint"]) == 32


def test_done_when_kmeans_digits(tmp_path, capsys):
    out_path = tmp_path / "l.csv"
    code, out, _ = run_cli(
        [
            "cluster",
            "sample:digits",
            "--method",
            "kmeans",
            "--param",
            "n_clusters=10",
            "--truth",
            "label",
            "--json",
            "--out",
            str(out_path),
        ],
        capsys,
    )
    assert code == 0
    summary = json.loads(out)
    assert {"method", "params", "seed", "n_clusters", "n_noise", "seconds", "metrics"} <= set(summary)
    assert {"ari", "ami", "nmi", "acc"} <= set(summary["metrics"])
    assert summary["metrics"]["ari"] >= 0.45
    assert summary["n_clusters"] == 10 and summary["params"]["n_clusters"] == 10
    assert "total" in summary["seconds"] and "cluster" in summary["seconds"]
    labels = pd.read_csv(out_path)
    assert list(labels.columns[:2]) == ["row", "cluster"] and len(labels) == 1797
    assert (labels["row"] == np.arange(1797)).all()


def test_truth_from_file_and_id_column(tmp_path, capsys):
    x = np.vstack([np.zeros((10, 2)), np.ones((10, 2)) * 10]) + np.random.default_rng(0).normal(size=(20, 2)) * 0.1
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(20)], "a": x[:, 0], "b": x[:, 1]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    truth = pd.DataFrame({"id": [f"p{i}" for i in range(20)], "label": [0] * 10 + [1] * 9 + [""]})
    truth.iloc[::-1].to_csv(tmp_path / "t.csv", index=False)  # joined by id, in any order
    code, out, err = run_cli(
        [
            "cluster",
            str(tmp_path / "d.csv"),
            "--method",
            "kmeans",
            "--param",
            "n_clusters=2",
            "--truth",
            str(tmp_path / "t.csv"),
            "--json",
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["metrics"]["ari"] == pytest.approx(1.0)
    assert list(pd.read_csv(tmp_path / "o.csv").columns) == ["row", "cluster", "confidence", "id"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["cluster", "nope.npy", "--method", "kmeans", "--out", "x.csv"], "file not found"),
        (["cluster", "sample:digits", "--method", "nosuch", "--out", "x.csv"], "unknown method 'nosuch'"),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--param", "n_clusters=abc", "--out", "x.csv"],
            "n_clusters: 'abc' is not a valid int",
        ),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--param", "bogus=1", "--out", "x.csv"],
            "unknown parameter",
        ),
        (["cluster", "sample:digits", "--method", "kmeans", "--param", "n_clusters", "--out", "x.csv"], "KEY=VALUE"),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--truth", "nocol", "--out", "x.csv"],
            "neither a metadata",
        ),
        (["cluster", "sample:digits", "--method", "kmeans", "--preprocess", "pca:x", "--out", "x.csv"], "whole number"),
        (["info", "sample:nosuch"], "no such sample"),
    ],
)
def test_errors_exit_2_with_one_line(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_console_script_subprocess(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 2)))
    proc = subprocess.run(
        [sys.executable, "-m", "clustering.cli", "info", str(tmp_path / "x.npy")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_an_unexpected_failure_says_it_is_ours_and_how_to_report_it(capsys, monkeypatch):
    import clustering.cli.info_commands as info_commands

    def broken(args):
        raise KeyError(0)

    monkeypatch.setattr(info_commands, "cmd_samples", broken)  # the parser is built at each call: it takes this one
    code, _, err = run_cli(["samples"], capsys)
    assert (
        code == 2 and err.startswith("error: an unexpected KeyError (0); rerun with --debug") and err.count("\n") == 1
    )


def test_clusterlab_app_serves_on_a_first_run_without_asking_for_an_email(tmp_path):
    """A fresh home (no ~/.streamlit) and the browser left to open: Streamlit's first run would ask for an email in
    the terminal and serve nothing until answered. A real process, its stdin an open pipe as a waiting terminal's."""
    import time
    import urllib.request

    from browser import free_port

    port = free_port()
    env = {**os.environ, "HOME": str(tmp_path), "DISPLAY": "", "WAYLAND_DISPLAY": ""}  # no display: no browser opens
    env.pop("STREAMLIT_SERVER_SHOW_EMAIL_PROMPT", None)
    command = [sys.executable, "-m", "clustering.cli", "app", "--port", str(port)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    process = subprocess.Popen(command, env=env, **pipes)
    try:
        deadline, healthy = time.time() + 60, False
        while time.time() < deadline and not healthy and process.poll() is None:
            try:
                healthy = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok"
            except OSError:
                time.sleep(0.3)
        assert healthy, "the app did not serve"
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Email" not in output


def test_clusterlab_app_runs_with_the_apps_own_streamlit_settings_from_any_folder(tmp_path, monkeypatch):
    """Streamlit reads .streamlit/config.toml from the working folder only: `clusterlab app` passes the app's
    settings (shipped beside Home.py; the checkout's .streamlit/config.toml links the same file) itself."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert (root / ".streamlit" / "config.toml").resolve() == (root / "app" / "streamlit.toml").resolve()
    seen = {}

    class Replaced(BaseException):  # os.execve never returns: this one stops the command where it would
        pass

    def execve(path, command, env):
        seen.update(command=command, env=env)
        raise Replaced

    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Replaced):
        main(["app", "--port", "8999", "--no-browser"])
    command = seen["command"]
    flags = dict(zip(command[5::2], command[6::2]))
    assert flags["--client.showErrorDetails"] == "none" and flags["--server.maxUploadSize"] == "1024"
    assert flags["--theme.base"] == "light" and flags["--server.runOnSave"] == "false"
    assert command.count("--server.port") == 1 and flags["--server.port"] == "8999"
    assert command.count("--server.headless") == 1 and flags["--server.headless"] == "true"
