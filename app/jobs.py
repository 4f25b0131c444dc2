"""Long work in a worker process, so a native crash (a segfault in a C library) ends only that job.

A job calls fn(**kwargs, progress=..., cancel=...) in a process started by a forkserver: the server
process preloads the libraries once and never runs OpenMP itself, so each job starts in a second
and without the hangs that forking a multi-threaded server can cause. Progress messages and the
result come back over a pipe; a job that dies is reported with its signal; Cancel asks the
job to stop and ends its process if it does not within a few seconds.
"""

from __future__ import annotations

import atexit
import multiprocessing
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clustering.app.text import plain
from clustering.backends.base import ParamError
from clustering.data import DataError
from clustering.progress import Cancelled

PRELOAD = ["numpy", "pandas", "scipy.sparse", "sklearn.cluster", "clustering.run.pipeline", "clustering.run.sweep"]
CANCEL_GRACE_SECONDS = 5.0
_CONTEXT_LOCK = threading.Lock()
_CONTEXT: Any = None
_NEUTRAL_MAIN = types.ModuleType("__main__")  # no __file__: the worker does not re-run any script


def _context():
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _CONTEXT = context
        return _CONTEXT


@dataclass
class Job:
    """One background job: its progress, and its result or error once done."""

    label: str
    message: str = "starting"
    share: float = 0.0
    result: Any = None
    error: str | None = None
    done: bool = False
    started: float = field(default_factory=time.time)
    on_done: Callable[[Any], None] | None = None
    _cancel: Any = None
    _process: Any = None

    def cancel(self) -> None:
        """Ask the job to stop; its process is ended if it has not stopped after a grace period."""
        if self._cancel is not None:
            self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.time() + timeout
        while not self.done and (end is None or time.time() < end):
            time.sleep(0.05)
        return self.done


def start(
    label: str, fn: Callable, kwargs: dict, on_done: Callable[[Any], None] | None = None, children: bool = False
) -> Job:
    """Run fn(**kwargs, progress=, cancel=) in a worker process; returns at once.

    `children`: the job starts processes of its own (a Dask LocalCluster), which a daemon process may not; such a
    job is ended when the server exits instead.
    """
    context = _context()
    job = Job(label=label, on_done=on_done)
    receiver, sender = context.Pipe(duplex=False)
    job._cancel = context.Event()
    job._process = context.Process(
        target=_child, args=(fn, kwargs, sender, job._cancel), daemon=not children, name=f"clusterlab-job-{label[:30]}"
    )
    if children:
        _PARENTS.add(job._process)
    with _CONTEXT_LOCK:
        # Streamlit runs each page as `__main__`; multiprocessing would re-run that page in the worker to
        # rebuild `__main__`, so the worker is started while a neutral module stands in for it.
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = _NEUTRAL_MAIN
        try:
            job._process.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main
    sender.close()
    threading.Thread(target=_watch, args=(job, receiver), daemon=True, name="clusterlab-job-watch").start()
    return job


_PARENTS: set = set()  # non-daemon jobs, ended at exit (multiprocessing would otherwise wait for them)


@atexit.register
def _end_parents() -> None:
    for process in list(_PARENTS):
        if process.is_alive():
            process.terminate()


class _ServerGone(Exception):
    """The server that started the job is gone (restarted or killed): the job ends quietly."""


def _child(fn: Callable, kwargs: dict, sender, cancel) -> None:

    def progress(message: str, share: float) -> None:
        try:
            sender.send(("progress", str(message), float(min(max(share, 0.0), 1.0))))
        except OSError:  # a broken pipe: nobody is waiting for this job any more
            raise _ServerGone from None

    try:
        outcome = ("done", _values_only(fn(**kwargs, progress=progress, cancel=cancel)))
    except _ServerGone:
        return
    except Cancelled:
        outcome = ("error", "cancelled")
    except (DataError, ParamError, ValueError, MemoryError) as error:
        outcome = ("error", str(error) or type(error).__name__)
    except Exception as error:  # shown as one line, never a traceback
        outcome = ("error", f"{type(error).__name__}: {error}")
    try:
        sender.send(outcome)
    except OSError:
        return  # the server is gone: no traceback in its log
    except Exception as error:  # a result that cannot travel back
        try:
            sender.send(("error", f"the result could not be returned ({type(error).__name__}: {error})"))
        except OSError:
            return
    sender.close()


def _values_only(result: Any) -> Any:
    """The result without fitted estimators (live models with tensors and threads): the app uses values only."""
    if isinstance(result, dict):
        return {key: _values_only(value) for key, value in result.items()}
    if isinstance(result, (list, tuple)):
        return type(result)(_values_only(value) for value in result)
    artifacts = getattr(result, "artifacts", None)
    if isinstance(artifacts, dict) and "estimator" in artifacts:
        result.artifacts = {k: v for k, v in artifacts.items() if k != "estimator"}
    return result


def _watch(job: Job, receiver) -> None:
    """Collect messages until the result arrives or the process dies; end it on cancel after a grace period."""
    cancelled_at = None
    try:
        while True:
            if job._cancel.is_set() and cancelled_at is None:
                cancelled_at = time.time()
            if cancelled_at is not None and time.time() - cancelled_at > CANCEL_GRACE_SECONDS:
                job._process.terminate()
                job.error = "cancelled"
                return
            if receiver.poll(0.1):
                try:
                    message = receiver.recv()
                except EOFError:
                    job.error = _died(job)
                    return
                except Exception as error:  # a result that cannot be rebuilt here
                    job.error = f"the result could not be read back ({type(error).__name__}: {error})"
                    return
                if message[0] == "progress":
                    job.message, job.share = message[1], message[2]
                    continue
                if message[0] == "done":
                    job.result = message[1]
                else:
                    job.error = message[1]
                return
            if not job._process.is_alive() and not receiver.poll(0):
                job.error = _died(job)
                return
    finally:
        receiver.close()
        job._process.join(timeout=CANCEL_GRACE_SECONDS)
        job.done = True


def _died(job: Job) -> str:
    job._process.join(timeout=1.0)
    code = job._process.exitcode
    if job._cancel.is_set():
        return "cancelled"
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return (
            f"the job's process crashed ({name}); nothing was saved. The app and other users are not "
            "affected. This usually comes from extreme values in the data or too little memory: try "
            "preprocessing (standardize) or a sample of the rows."
        )
    return f"the job's process ended unexpectedly (exit code {code}); nothing was saved."


# --- on the page: start a job, show its progress and Cancel, collect its result -----------------------------


# Set while a job's result is collected. A message sent to the browser (a URL update) is where Streamlit stops a
# script that a click elsewhere (a page change) has replaced: inside on_done that dropped the rest of the result
# (8 of 9 kept levels lost when the page changed as the job ended). URL writes wait for the rerun that follows.
COLLECTING = "_collecting-job"


def start_job(label: str, fn, kwargs: dict, on_done, children: bool = False) -> None:
    """Run fn(**kwargs, progress=, cancel=) in a worker process; on_done(result) runs on the rerun that sees it end.

    fn must be importable (a library function), and kwargs plain values: they travel to the worker.
    `children`: fn starts processes (a Dask local cluster).
    """
    import streamlit as st  # here, not at the top: worker processes import this module without a page

    st.session_state["job"] = start(label, fn, kwargs, on_done, children=children)
    st.query_params[JOB_PARAM] = label[:120]  # a page that reconnects without the job can say it was stopped


JOB_PARAM = "job"  # the URL names a running job, so a session that lost it (a server restart) says so


def lost_job_message(label: str) -> str:
    """What a page says when its URL names a job its session no longer has."""
    return (
        f"{label} was stopped before it finished: the server restarted (or this page reconnected to a new "
        "session), and a job lives only as long as the session that started it. Nothing was saved from it; "
        "start it again."
    )


def show_job() -> None:
    """Progress bar and Cancel button while a job runs; collects its result when done."""
    import streamlit as st  # see start_job: workers import this module without a page

    job = st.session_state.get("job")
    if job is None:
        return
    if not job.done:
        st.info(f"Running {plain(job.label)}…")
        if st.button("Cancel", key="cancel-job", type="secondary"):
            job.cancel()
        bar = st.progress(job.share, text=job.message)
        while not job.done:
            time.sleep(0.25)
            bar.progress(job.share, text=f"{job.message} · {time.time() - job.started:.0f} s")
        st.session_state.pop("job", None)
        _finish(job)
        st.rerun()
    st.session_state.pop("job", None)
    _finish(job)
    st.rerun()  # the page and its URL drawn with the result


def _finish(job) -> None:
    import streamlit as st  # see start_job

    if job.error == "cancelled":
        st.session_state["flash"] = ("warning", f"{job.label} was cancelled; nothing was changed.")
    elif job.error:
        st.session_state["flash"] = ("error", f"{job.label} failed: {job.error}")
    elif job.on_done is not None:
        st.session_state[COLLECTING] = True  # see COLLECTING
        try:
            job.on_done(job.result)
        finally:
            st.session_state.pop(COLLECTING, None)
