"""The web editor in a real browser: Debian's Chromium, headless, driven
by tests/integration/write_a11y.mjs with playwright-core and axe-core
from tests/browser/node_modules (the reader's browser tests install
them).  A real daemon and store; the script signs in, sends the forms
(a wrong password, a weeknote with errors, a preview, a draft, a delete)
and checks every page it reaches against axe-core's WCAG 2.2 A/AA rules
at 320 and 1280 px in light and dark, for horizontal scrolling, and the
whole flow again with JavaScript off.  The script's TAP is passed through
check by check.

Skipped (1..0) when node, Chromium or the node modules are missing;
$CRIER_BROWSER_MODULES may name another folder holding node_modules."""

import os
import signal
import subprocess

from crierlib import SRCDIR

from browserlib import CHROMIUM, MODULES, NODE, pass_through, skip_unless_ready  # noqa: E402

skip_unless_ready()

from crierlib import Crier, stopped_cleanly  # noqa: E402
from tap import TAP  # noqa: E402
from writelib import add_user  # noqa: E402

t = TAP()



PW = "correct horse battery"
c = Crier(config="""
[team web]
name = Web team
description = We build the council website.
""")
t.eq(add_user(c, "ana", "web", PW).returncode, 0, "crier user add ana")

d = c.serve()
with stopped_cleanly(t, d, "write daemon"):
    proc = subprocess.Popen([NODE, os.path.join(SRCDIR, "tests", "integration", "write_a11y.mjs"),
                             "--base", f"http://127.0.0.1:{d.port}", "--modules", MODULES,
                             "--user", "ana", "--password", PW, "--chromium", CHROMIUM],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        stderr += "\n(killed after 300 s)"
    checks, plan = pass_through(t, stdout)
    t.ok(proc.returncode == 0 and plan == checks and checks > 60,
         f"write_a11y.mjs ran all its checks and passed (exit {proc.returncode}, {checks} checks, plan {plan})",
         stderr[-3000:])
    t.eq(c.sql("SELECT count(*) FROM posts WHERE status = 'deleted'")[0][0], 2,
         "both passes saved a draft and deleted it")

c.cleanup()
t.done()
