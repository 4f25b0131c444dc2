"""The app's worker processes: a native crash ends only its job; Cancel ends a job that does not listen."""

from __future__ import annotations

import ctypes
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


# --- crash isolation in the app's worker processes ----------------------------------------------------------


def crash(progress, cancel):
    progress("about to crash", 0.5)
    ctypes.string_at(0)  # reads address 0: SIGSEGV in this process only


def slow(progress, cancel, seconds: float = 30.0):
    for _ in range(int(seconds * 10)):
        time.sleep(0.1)


def test_a_native_crash_ends_only_the_job():
    from clustering.app import jobs

    job = jobs.start("crash", crash, {})
    assert job.wait(timeout=120)
    assert "crashed (SIGSEGV)" in job.error and job.result is None
    from clustering.run.pipeline import run

    x = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    from clustering.data import Dataset

    after = jobs.start("kmeans", run, {"dataset": Dataset(vectors=x), "method": "kmeans", "params": {"n_clusters": 3}})
    assert after.wait(timeout=120) and after.error is None
    assert after.result.n_clusters == 3


def test_cancel_ends_a_job_that_does_not_listen():
    from clustering.app import jobs

    job = jobs.start("slow", slow, {"seconds": 60})
    time.sleep(1.0)
    job.cancel()
    assert job.wait(timeout=jobs.CANCEL_GRACE_SECONDS + 20)
    assert job.error == "cancelled"


# --- collecting a result ----------------------------------------------------------------------------------------


# A page whose finished job keeps three runs, each naming itself in the URL as add_run does (a string page, as the
# other AppTests: a function page leaves a __main__ that spawned processes, Dask's workers, cannot run).
COLLECTING_PAGE = """
import streamlit as st

from clustering.app import jobs, projects

state = st.session_state
if "started" not in state:
    state["started"] = True
    state["project"] = "p"

    def keep(result):
        for run in result:
            state["active_run"] = run
            projects.write_url()
            state.setdefault("kept", []).append((run, st.query_params.get("run")))

    state["job"] = jobs.Job("three runs", done=True, result=["a", "b", "c"], on_done=keep)
jobs.show_job()
projects.write_url()
"""


def test_a_result_is_collected_whole_before_the_url_changes():
    """A URL write is where Streamlit can stop a script replaced by a page change: none happens inside on_done, so
    all three runs are kept; the rerun after the collection names the last one."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(COLLECTING_PAGE).run()
    assert not at.exception
    assert at.session_state["kept"] == [("a", None), ("b", None), ("c", None)]  # no URL message mid-collection
    assert "job" not in at.session_state
    assert at.query_params["run"] in (["c"], "c") and at.query_params["project"] in (["p"], "p")


def test_a_job_whose_server_is_gone_ends_quietly(capsys):
    """The server restarted: the job's pipe is broken; the worker ends without a BrokenPipeError traceback."""
    import threading

    from clustering.app.jobs import _child

    class BrokenPipe:
        def send(self, message):
            raise BrokenPipeError(32, "Broken pipe")

        def close(self):
            pass

    def work(progress, cancel):
        for step in range(3):
            progress(f"step {step}", step / 3)
        return "never returned"

    _child(work, {}, BrokenPipe(), threading.Event())  # returns, raises nothing
    _child(lambda progress, cancel: 42, {}, BrokenPipe(), threading.Event())  # the result cannot travel either
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out and "BrokenPipe" not in captured.err
