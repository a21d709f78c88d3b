"""Minimal TAP producer for crier's Python tests (stdlib only).

    from tap import TAP
    t = TAP()
    t.ok(cond, "what is being checked")
    t.eq(got, want, "what")
    t.done()          # prints the plan, exits 1 if anything failed

Each check prints one "ok N - name" / "not ok N - name" line, and on
failure a YAML-ish diagnostic with got/want, so the automake TAP driver
counts assertions and the log says why.  An exception escaping the test
is reported as a failed check ("Bail out!" is not used: the remaining
checks simply do not run, and the plan at the end stays honest).
"""

import atexit
import sys
import traceback


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self._done = False
        atexit.register(self._atexit)
        sys.excepthook = self._excepthook

    def _emit(self, passed, name, diag=None):
        self.n += 1
        name = " ".join(str(name).split())
        print(("ok" if passed else "not ok") + f" {self.n} - {name}", flush=True)
        if not passed:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines():
                    print("#   " + line)
        return passed

    def ok(self, cond, name, diag=None):
        return self._emit(bool(cond), name, diag)

    def eq(self, got, want, name):
        return self._emit(got == want, name, f"got:  {got!r}\nwant: {want!r}")

    def contains(self, haystack, needle, name):
        passed = haystack is not None and needle in haystack
        shown = haystack if haystack is None or len(haystack) < 2000 else haystack[:2000] + "..."
        return self._emit(passed, name, f"looked for: {needle!r}\nin: {shown!r}")

    def not_contains(self, haystack, needle, name):
        passed = haystack is None or needle not in haystack
        return self._emit(passed, name, f"should not contain: {needle!r}")

    def skip(self, name, reason):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {reason}", flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)

    def done(self):
        self._done = True
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)

    def _excepthook(self, etype, value, tb):
        self._emit(False, f"test raised {etype.__name__}: {value}",
                   "".join(traceback.format_exception(etype, value, tb)))
        self.done()

    def _atexit(self):
        if not self._done:
            print(f"1..{self.n}", flush=True)
