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
    from app import jobs

    job = jobs.start("crash", crash, {})
    assert job.wait(timeout=120)
    assert "crashed (SIGSEGV)" in job.error and job.result is None
    from clustering.pipeline import run

    x = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    from clustering.data import Dataset

    after = jobs.start("kmeans", run, {"dataset": Dataset(vectors=x), "method": "kmeans", "params": {"n_clusters": 3}})
    assert after.wait(timeout=120) and after.error is None
    assert after.result.n_clusters == 3


def test_cancel_ends_a_job_that_does_not_listen():
    from app import jobs

    job = jobs.start("slow", slow, {"seconds": 60})
    time.sleep(1.0)
    job.cancel()
    assert job.wait(timeout=jobs.CANCEL_GRACE_SECONDS + 20)
    assert job.error == "cancelled"
