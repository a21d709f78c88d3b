"""What the browser tests share: finding node, Chromium and the npm
modules (playwright-core, axe-core), and passing a node script's TAP
through as our own checks.

    from browserlib import NODE, CHROMIUM, MODULES, skip_unless_ready, pass_through
    skip_unless_ready()          # prints "1..0 # SKIP why" and exits when not ready
    checks, plan = pass_through(t, stdout_of_node_script)
"""

import os
import re
import shutil
import sys

from crierlib import SRCDIR

MODULES = os.environ.get("CRIER_BROWSER_MODULES", os.path.join(SRCDIR, "tests", "browser"))
NODE = shutil.which("node") or shutil.which("nodejs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing():
    """Why the browser tests cannot run here, or None."""
    if not NODE:
        return "node is not installed (./bootstrap check installs nodejs)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (./bootstrap check installs Debian's chromium)"
    for mod in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(MODULES, "node_modules", mod)):
            return f"{MODULES}/node_modules/{mod} is missing (cd tests/browser && npm ci)"
    return None


def skip_unless_ready():
    why = missing()
    if why:
        print(f"1..0 # SKIP {why}", flush=True)
        sys.exit(0)


def pass_through(t, tap_text):
    """Re-reports each check of a node script's TAP as one of t's (t's
    numbering, its names and diagnostics); returns (checks, plan)."""
    checks, plan, pending = 0, None, None

    def flush():
        nonlocal checks, pending
        if pending:
            t.ok(pending[0], "browser: " + pending[1], "\n".join(pending[2]))
            checks += 1
        pending = None

    for line in tap_text.splitlines():
        m = re.match(r"(not ok|ok)(?: \d+)?(?: - )?(.*)$", line)
        if m:
            flush()
            pending = (m.group(1) == "ok", m.group(2), [])
        elif line.startswith("#   ") and pending:
            pending[2].append(line[4:])
        elif line.startswith("# "):
            t.diag(line[2:])
        elif re.fullmatch(r"1\.\.\d+", line):
            plan = int(line[3:])
    flush()
    return checks, plan
