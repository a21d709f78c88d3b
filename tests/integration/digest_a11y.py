"""Digests in a real browser: Debian's Chromium, headless, driven by
tests/integration/digest_a11y.mjs with playwright-core and axe-core from
tests/browser/node_modules.  A real daemon and store with fixture posts;
the script signs in, starts a digest (once with an error), finds posts,
adds them with a note, reorders, opens the email preview, publishes, and
reads the public pages, checking every page (the email's HTML part too)
against axe-core's WCAG 2.2 A/AA rules at 320 and 1280 px in light and
dark and for horizontal scrolling, then does it all again with
JavaScript off.  The script's TAP is passed through check by check.

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
from fixture_server import FixtureServer  # noqa: E402
from writelib import add_user  # noqa: E402

t = TAP()



PW = "correct horse battery"
srv = FixtureServer()
srv.__enter__()
with open(os.path.join(SRCDIR, "tests", "fixtures", "digest", "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")
c = Crier(config=f"""
[team comms]
name = Comms team

[feed {srv.url('/sector.xml')}]
name = Sector weeknotes
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}", "site_title": "Sector notes"})
t.eq(c.run("fetch").returncode, 0, "crier fetch")
t.eq(add_user(c, "cora", "comms", PW).returncode, 0, "crier user add cora")

d = c.serve()
with stopped_cleanly(t, d, "digest daemon"):
    proc = subprocess.Popen([NODE, os.path.join(SRCDIR, "tests", "integration", "digest_a11y.mjs"),
                             "--base", f"http://127.0.0.1:{d.port}", "--modules", MODULES,
                             "--user", "cora", "--password", PW, "--chromium", CHROMIUM],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        stderr += "\n(killed after 300 s)"
    checks, plan = pass_through(t, stdout)
    t.ok(proc.returncode == 0 and plan == checks and checks > 100,
         f"digest_a11y.mjs ran all its checks and passed (exit {proc.returncode}, {checks} checks, plan {plan})",
         stderr[-3000:])
    t.eq(c.sql("SELECT count(*) FROM digests WHERE status = 'published'")[0][0], 2,
         "both passes published their digest")

srv.__exit__(None, None, None)
c.cleanup()
t.done()
