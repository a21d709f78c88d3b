"""Drive the real crier binary from Python tests (stdlib only).

    from crierlib import Crier
    with Crier(config="[feed http://...]\\n") as c:
        r = c.run("feeds", "list", "--json")      # CompletedProcess
        with c.serve() as d:                        # the real daemon
            status, headers, body = d.get("/healthz")
        rows = c.sql("SELECT url FROM feeds")

Each Crier gets a fresh temporary directory holding its config file and
data_dir, removed at exit.  The binary is $CRIER (set by the Makefile).
Runs under ASan/UBSan are checked: any sanitizer report in a command's or
the daemon's stderr is a failure (see `sanitizer_report`).
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

CRIER = os.environ.get("CRIER", "crier")
SRCDIR = os.environ.get("CRIER_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("CRIER_BUILDDIR", SRCDIR)

_SANITIZER_RE = re.compile(r"(ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|"
                           r"SUMMARY: (Address|UndefinedBehavior)Sanitizer)")


def sanitizer_report(text):
    """The first sanitizer report line in text, or None."""
    m = _SANITIZER_RE.search(text or "")
    if not m:
        return None
    start = text.rfind("\n", 0, m.start()) + 1
    return text[start:start + 2000]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A running `crier serve`; stop() sends SIGTERM and collects its log."""

    def __init__(self, crier, env=None):
        self.crier = crier
        self.log_path = os.path.join(crier.dir, f"serve-{time.monotonic_ns()}.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([CRIER, "-c", crier.config_path, "serve"],
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     env=crier.env(env))
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = re.search(r'msg="crier started".* port=(\d+)', self.log())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                raise RuntimeError("crier serve exited at start:\n" + self.log())
            time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError("crier serve did not start:\n" + self.log())
        self.returncode = None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, headers=None, body=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def wait_for(self, pattern, timeout=30):
        """Waits until the daemon's log matches pattern; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"log never matched {pattern!r}:\n{self.log()[-3000:]}")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self._log.close()
        return self.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Crier:
    """A config file and a data_dir in a fresh temporary directory."""

    def __init__(self, config="", crier_keys=None, listen=None):
        # under the build dir, not /tmp: nothing outside this build can remove it
        tmp_root = os.path.join(BUILDDIR, "tests", "tmp")
        os.makedirs(tmp_root, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="crier-test-", dir=tmp_root)
        self.config_path = os.path.join(self.dir, "crier.conf")
        self.data_dir = os.path.join(self.dir, "data")
        keys = {
            "data_dir": self.data_dir,
            "listen": listen or f"127.0.0.1:{free_port()}",
            "themes_dir": os.path.join(SRCDIR, "themes"),
            "log_level": "debug",
        }
        keys.update(crier_keys or {})
        self.write_config(keys, config)
        self.daemons = []

    def write_config(self, keys, sections=""):
        with open(self.config_path, "w") as f:
            f.write("[crier]\n")
            for k, v in keys.items():
                f.write(f"{k} = {v}\n")
            f.write(sections)

    def env(self, extra=None):
        e = dict(os.environ)
        e.pop("CRIER_CONFIG", None)
        e.update(extra or {})
        return e

    def run(self, *args, input=None, env=None, timeout=120):
        """Runs crier -c CONFIG ARGS; returns CompletedProcess (text)."""
        r = subprocess.run([CRIER, "-c", self.config_path, *args], input=input,
                           capture_output=True, text=True, env=self.env(env), timeout=timeout)
        report = sanitizer_report(r.stderr)
        if report:
            raise AssertionError(f"sanitizer report from crier {' '.join(args)}:\n{report}")
        return r

    def run_json(self, *args, **kw):
        r = self.run(*args, **kw)
        if r.returncode != 0:
            raise AssertionError(f"crier {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
        return json.loads(r.stdout)

    def serve(self, env=None):
        d = Daemon(self, env)
        self.daemons.append(d)
        return d

    def sql(self, query, args=()):
        """Rows of a query on the real database file (read-only)."""
        db = sqlite3.connect(f"file:{self.data_dir}/crier.db?mode=ro", uri=True, timeout=10)
        try:
            # the search index is its own file, attached as crier attaches it
            db.execute("ATTACH DATABASE ? AS search", (f"file:{self.data_dir}/crier-search.db?mode=ro",))
            return db.execute(query, args).fetchall()
        finally:
            db.close()

    def cleanup(self):
        for d in self.daemons:
            if d.proc.poll() is None:
                d.stop()
        if os.environ.get("CRIER_KEEP_TMP"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


@contextlib.contextmanager
def stopped_cleanly(t, daemon, name="daemon"):
    """Stops the daemon at the end of the block and checks it exited 0
    without sanitizer reports."""
    try:
        yield daemon
    finally:
        rc = daemon.stop()
        log = daemon.log()
        report = sanitizer_report(log)
        t.ok(report is None, f"{name}: no sanitizer report", report)
        t.eq(rc, 0, f"{name}: exits 0 on SIGTERM")
