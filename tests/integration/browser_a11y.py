"""The reader in a real browser: Debian's Chromium, headless, driven by
tests/browser/a11y.mjs (playwright-core + axe-core from npm).

Real content (fixture feeds on 127.0.0.1, fetched by `crier fetch`, one of
them failing) served by the real daemon; every page template is visited in
light and dark colour schemes at 320 and 1280 px and checked against axe-core's
WCAG 2.2 A/AA rules, for horizontal scrolling, keyboard focus, the skip link,
console errors, requests to other origins, and with JavaScript off.  The
node script's TAP is passed through check by check.

Screenshots land in $CRIER_BUILDDIR/tests/browser/screenshots/.  Skipped
(1..0) when node, Chromium or tests/browser/node_modules are missing;
`./bootstrap check` installs them."""

import json
import os
import re
import shutil
import signal
import subprocess
import time

from crierlib import BUILDDIR, SRCDIR

BROWSER_DIR = os.path.join(SRCDIR, "tests", "browser")
from browserlib import CHROMIUM, NODE, pass_through, skip_unless_ready  # noqa: E402

skip_unless_ready()

from crierlib import Crier, stopped_cleanly  # noqa: E402
from fixture_server import FixtureServer  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()



def fixture(*parts):
    with open(os.path.join(SRCDIR, "tests", "fixtures", *parts), "rb") as f:
        return f.read()


srv = FixtureServer()
srv.__enter__()
srv.set("/weeknotes.xml", body=fixture("reader", "weeknotes.xml"), content_type="application/rss+xml")
srv.set("/agency.atom", body=fixture("reader", "agency.xml"), content_type="application/atom+xml")
srv.set("/highways.xml", body=fixture("browser", "highways.xml"), content_type="application/rss+xml")
srv.set("/broken.xml", status=404, body="gone fishing")

config = f"""
[team web]
name = Web team
description = We build the council website.

[feed {srv.url('/weeknotes.xml')}]
name = Digital team weeknotes
tags = council

[feed {srv.url('/agency.atom')}]
tags = agency

[feed {srv.url('/highways.xml')}]
tags = council, transport

[feed {srv.url('/broken.xml')}]
name = Broken blog
"""
c = Crier(config=config, crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}", "page_size": "4",
                                      "site_title": "Sector notes",
                                      "site_description": "Weeknotes and blog posts from across the sector."})
r = c.run("fetch")
t.ok(r.returncode == 0 and "1 failed" in r.stdout, "crier fetch: 4 feeds, one failing", r.stdout + r.stderr)
long_post = c.sql("SELECT id FROM posts WHERE title LIKE 'Weeknotes 46 from the Highways%'")
t.eq(len(long_post), 1, "the long weeknote is stored")
source_id = c.sql("SELECT id FROM feeds WHERE url = ?", (srv.url('/highways.xml'),))

d = c.serve()
out = os.path.join(BUILDDIR, "tests", "browser", "screenshots")
json_path = os.path.join(BUILDDIR, "tests", "browser", "a11y.json")
if os.path.isdir(out):
    shutil.rmtree(out)
os.makedirs(out)

with stopped_cleanly(t, d, "reader daemon"):
    # the pages show what the theme must cope with
    status, h, body = d.get("/")
    t.ok(status == 200 and re.search(rb'href="/\?before=[^"]+"', body), "the river has an older page", body[:300])
    status, h, _ = d.get(f"/post/{long_post[0][0] if long_post else 1}")
    permalink = h.get("location", "/post/1")
    t.ok(status == 301 and permalink.startswith("/post/"), "the long weeknote has a permalink", h)
    body = d.get(permalink)[2].decode()
    t.ok(all(x in body for x in ("<table>", "<pre>", "<figure>", "<details>", 'lang="cy"', "Straßen")),
         "the long weeknote keeps its table, code, figure, details and languages", body[:2000])
    body = d.get("/week/2026-W46")[2].decode()
    t.ok(body.count('class="week-group"') == 2 and "Not posted this week" in body,
         "week 2026-W46 has two sources that posted and some that did not")
    body = d.get("/search?q=parking")[2].decode()
    t.ok(body.count("<mark>") >= 3, "the search for parking highlights matches")
    pages = [
        "/",
        permalink,
        "/tag/weeknotes",
        "/week/2026-W46",
        "/search?q=parking",
        "/search?q=",
        "/sources",
        f"/source/{source_id[0][0]}" if source_id else "/source/1",
        "/team/web",
        "404:/no/such/page",
    ]
    started = time.monotonic()
    # its own process group: a timeout takes Chromium down with node
    proc = subprocess.Popen([NODE, os.path.join(BROWSER_DIR, "a11y.mjs"), "--base", f"http://127.0.0.1:{d.port}",
                             "--out", out, "--json", json_path, "--chromium", CHROMIUM, "--search", "parking", *pages],
                            cwd=BROWSER_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        stderr += "\n(killed after 300 s)"
    elapsed = time.monotonic() - started

    checks, plan = pass_through(t, stdout)
    t.ok(proc.returncode == 0 and plan == checks and checks > 100,
         f"a11y.mjs ran all its checks and passed (exit {proc.returncode}, {checks} checks, plan {plan})",
         stderr[-3000:])
    t.diag(f"browser checks took {elapsed:.1f} s; screenshots in {out}")

    # The JSON says what was really looked at.
    try:
        with open(json_path) as f:
            results = json.load(f)
    except (OSError, ValueError):
        results = {"pages": []}
    combos = sum(len(p["combos"]) for p in results["pages"])
    t.eq(combos, 4 * len(pages), "axe ran on every page at 2 widths in 2 colour schemes")
    shots = [n for n in os.listdir(out) if n.endswith(".png")]
    t.ok(len(shots) >= 4 * len(pages), f"{len(shots)} screenshots saved")

srv.__exit__(None, None, None)
c.cleanup()
t.done()
