"""Starting Apache Spark for a training, and watching it: whether it can run here (pyspark and a
Java runtime of 17 or newer), whether the master answers, the session, and its stages as progress.

Everything that can be checked without a JVM is checked first, so a missing Java, a mistyped
master or an unreachable one is one line in milliseconds, not a Java stack trace after a minute
of retries. The JVM's own log goes to a file (``log_path``), never to the terminal or the page.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from embedviz.core.errors import EngineError, ParameterError
from embedviz.core.progress import Progress

#: Spark 4 runs on Java 17 or newer.
JAVA_MAJOR = 17
INSTALL = "pip install -r requirements-spark.txt"
_MASTER = re.compile(r"^(local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?|spark://[^/\s]+|yarn|k8s://\S+)$")
_LOCAL_CORES = re.compile(r"^local\[([1-9]\d*)")
#: How long to wait for a standalone master's port before saying it cannot be reached.
CONNECT_SECONDS = 3.0


@functools.lru_cache(maxsize=1)
def java_runtime() -> tuple[str | None, int | None]:
    """The ``java`` Spark would start (``$JAVA_HOME/bin/java``, else the one on PATH) and its
    major version; (None, None) when there is none."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        return None, None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return java, None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not found:
        return java, None
    major = int(found.group(1))
    return java, int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


@functools.lru_cache(maxsize=1)
def spark_unavailable() -> str | None:
    """Why Spark cannot train here (one line), or None when it can. Checked once per process."""
    if importlib.util.find_spec("pyspark") is None:
        return f"the Spark engine needs pyspark, which is not installed: {INSTALL}"
    java, major = java_runtime()
    if java is None:
        return ("the Spark engine needs a Java runtime (17 or newer), and none was found: install one "
                "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    if major is None:
        return f"the Spark engine needs Java 17 or newer; {java} does not say its version"
    if major < JAVA_MAJOR:
        return f"the Spark engine needs Java 17 or newer; {java} is Java {major} (set JAVA_HOME to a newer one)"
    return None


def check_engine() -> None:
    reason = spark_unavailable()
    if reason:
        raise EngineError(reason)


def check_master(master: str) -> bool:
    """A master URL Spark knows; a standalone master (``spark://host:port``) must answer on its
    port. Returns True (for :class:`~embedviz.core.params.Checked`)."""
    if not isinstance(master, str) or not _MASTER.match(master):
        raise ParameterError(f"the Spark master must be local[*], local[N], spark://HOST:PORT, yarn or "
                             f"k8s://..., not {master!r}")
    return True


def offered_masters() -> list[str]:
    """The masters the app lets its users train on (EMBEDVIZ_SPARK_MASTERS): a server's users
    choose among these, never type one, so none can make the server connect where it likes."""
    from embedviz.core.settings import setting

    masters = [m.strip() for m in str(setting("EMBEDVIZ_SPARK_MASTERS")).split(",") if m.strip()]
    return [m for m in masters if _MASTER.match(m)] or ["local[*]"]


def reach_master(master: str) -> None:
    """Refuse, in seconds, a master that cannot be reached (Spark itself retries for a minute)."""
    if master.startswith("spark://"):
        problems = []
        for address in master[len("spark://"):].split(","):
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise ParameterError(f"the Spark master {master!r} must name HOST:PORT")
            try:
                socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
                return
            except OSError as exc:
                problems.append(f"{address}: {exc.strerror or exc}")
        raise EngineError(f"cannot reach the Spark master {master} ({'; '.join(problems)})")
    if master == "yarn" and not (os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")):
        raise EngineError("--master yarn needs HADOOP_CONF_DIR or YARN_CONF_DIR set to the cluster's "
                          "configuration folder")


def local_cores(master: str) -> int | None:
    """The cores a ``local[N]`` master uses (``local``: 1, ``local[*]``: this machine's)."""
    if master == "local":
        return 1
    if master.startswith("local[*"):
        return os.cpu_count() or 1
    found = _LOCAL_CORES.match(master)
    return int(found.group(1)) if found else None


@contextmanager
def spark_session(master: str, app_name: str, conf: dict | None = None, log_path: str | os.PathLike | None = None):
    """A SparkSession on ``master`` for the length of the block, stopped at its end (unless this
    process already had one running: that one is used and left running).

    After a cancellation (SIGTERM in a job, Ctrl-C in the CLI) it is not stopped: the JVM was
    signalled with its job, or ends when this process does (Spark's gateway exits when its
    Python driver's pipe closes), and a stop could wait on a JVM that is gone.
    """
    check_engine()
    reach_master(master)
    with warnings.catch_warnings():
        # pyspark warns once, on first import of its helpers, that pandas 3 is newer than it knows;
        # embedviz hands it no pandas data. Imported here, silenced, it does not warn later.
        warnings.simplefilter("ignore")
        import pyspark.testing.utils  # noqa: F401
        from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        # A session this process already runs (a notebook's, a test's) is used as it is, and left
        # running: Spark allows one per process. Its own master is what the model's meta records.
        yield running
        return

    scratch = tempfile.mkdtemp(prefix="embedviz-spark-")
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.sql.warehouse.dir": str(Path(scratch) / "warehouse"), "spark.local.dir": scratch}
    if master.startswith("local"):
        # Nothing outside this machine: no lookup of its network name, no port open to others.
        settings.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, str(value))
    log_path = Path(log_path) if log_path else Path(scratch) / "spark.log"
    try:
        with _output_to(log_path):
            session = builder.getOrCreate()
    except Exception as exc:  # the scratch folder stays: the message points at the log in it
        raise EngineError(f"Spark did not start on {master} ({_short(exc)}); its log: {log_path}") from None
    session.sparkContext.setLogLevel("WARN")
    if not master.startswith("local"):
        # A cluster's Python workers tokenise with this very embedviz (they need its requirements).
        session.sparkContext.addPyFile(str(package_zip(Path(scratch))))
    try:
        yield session
    except Exception:
        with contextlib.suppress(Exception):  # the JVM may be gone already: the first error is the one
            session.stop()
        raise
    else:
        session.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def package_zip(folder: Path) -> Path:
    """The embedviz package's Python files in a zip (for ``addPyFile``), written into ``folder``."""
    import zipfile

    root = Path(__file__).resolve().parents[1]
    target = folder / "embedviz.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*.py")):
            archive.write(path, Path("embedviz") / path.relative_to(root))
    return target


@contextmanager
def _output_to(path: Path):
    """Point this process's stdout and stderr at ``path`` while the JVM is launched: it inherits
    them, so its log lands in the file for its whole life; ours are restored right after."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, log):
            os.close(fd)


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


#: Spark's Word2Vec runs one job per iteration (its epochs), holding one stage of this name.
ITERATION_STAGE = re.compile(r"^mapPartitions at Word2Vec\.scala")


class StageWatcher:
    """Reports Spark's work as :class:`Progress` from a thread while the main thread waits in a
    Spark call: the running stages and how many of their tasks are done (``detail``) and, for a
    Word2Vec fit, each iteration as it ends (an epoch of the history, with its words/s).

    The block's jobs are put in a job group of their own, so the iterations are counted from
    Spark's record of finished jobs, none missed however short. An iteration's time is measured
    from the end of the one before (the first: from the start of the fit, Spark's vocabulary pass
    included); when two end between two looks, the interval is shared between them.
    """

    def __init__(self, context, report: Callable[[Progress], None], stage: str, epochs: int, start: float,
                 tokens: int = 0, every: float = 0.5):
        self.context, self.tracker = context, context.statusTracker()
        self.report, self.stage, self.epochs = report, stage, epochs
        self.start, self.tokens, self.every = start, tokens, every
        self.group = f"embedviz-{stage}-{time.time_ns()}"
        self.history: list[Progress] = []
        self._counted: set[int] = set()     # finished jobs already looked at
        self._last_end = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="spark-stages")
        self._shown = None

    def __enter__(self):
        self.context.setJobGroup(self.group, f"embedviz {self.stage}")
        self._began = self._last_end = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        if exc[0] is None:
            self.poll()  # the last iterations, ended since the last look
            if hasattr(self.context, "clearJobGroup"):
                self.context.clearJobGroup()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.poll()
            except Exception:  # the JVM went away (a cancellation): the main thread will say why
                return

    def poll(self) -> None:
        with self._lock:
            now = time.perf_counter()
            ended = self._iterations_ended()
            for i in range(ended):
                self._epoch(self._last_end + (now - self._last_end) * (i + 1) / ended)
            if ended:
                self._last_end = now
            self._show(now)

    def _iterations_ended(self) -> int:
        ended = 0
        for job_id in self.tracker.getJobIdsForGroup(self.group):
            if job_id in self._counted:
                continue
            info = self.tracker.getJobInfo(job_id)
            if info is None or info.status not in ("SUCCEEDED", "FAILED"):
                continue
            self._counted.add(job_id)
            names = [getattr(self.tracker.getStageInfo(s), "name", "") for s in info.stageIds]
            if info.status == "SUCCEEDED" and any(ITERATION_STAGE.match(n) for n in names):
                ended += 1
        return ended

    def _epoch(self, at: float) -> None:
        seconds = at - (self.history[-1].elapsed + self.start if self.history else self._last_end)
        item = Progress("training", epoch=len(self.history) + 1, epochs=self.epochs, elapsed=at - self.start,
                        words_per_second=self.tokens / seconds if seconds > 0 and self.tokens else None)
        self.history.append(item)
        item.eta = self._eta()
        self.report(item)

    def _eta(self) -> float | None:
        """Seconds left: the iterations so far took this long each, on average."""
        if not self.history or self.stage != "training":
            return None
        spent = self.history[-1].elapsed + self.start - self._began
        return spent / len(self.history) * (self.epochs - len(self.history))

    def _show(self, now: float) -> None:
        parts = []
        for stage_id in sorted(self.tracker.getActiveStageIds()):
            info = self.tracker.getStageInfo(stage_id)
            if info is not None:
                parts.append(f"stage {stage_id} ({info.name.split(' at ')[0]}): "
                             f"{info.numCompletedTasks} of {info.numTasks} tasks done")
        detail = "Spark " + "; ".join(parts) if parts else None
        if detail and detail != self._shown:
            self._shown = detail
            self.report(Progress(self.stage, epoch=len(self.history),
                                 epochs=self.epochs if self.stage == "training" else 0,
                                 elapsed=now - self.start, detail=detail, eta=self._eta()))
