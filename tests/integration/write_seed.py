"""The demo team: the shipped config/crier.conf.example has a [team demo]
whose weeknotes (config/demo/*.md) are published on the first start,
so the river, the week view, tag pages and the team feed work with no
internet; a restart publishes none twice; a file added later is
published at the next start."""

import json
import os
import re
import shutil
import subprocess
import tempfile

from crierlib import CRIER, SRCDIR, Crier, stopped_cleanly
from tap import TAP

t = TAP()
DEMO = os.path.join(SRCDIR, "config", "demo")
EXAMPLE = os.path.join(SRCDIR, "config", "crier.conf.example")

# the shipped config declares the demo team and passes check-config
with open(EXAMPLE) as f:
    example = f.read()
section = re.search(r"^\[team demo\]\n(.*?)(?:\n\n|\Z)", example, re.M | re.S)
t.ok(section, "crier.conf.example has a [team demo] section")
t.contains(section.group(1), "seed = demo", "whose seed folder is config/demo")
r = subprocess.run([CRIER, "-c", EXAMPLE, "check-config"], capture_output=True, text=True)
t.eq(r.returncode, 0, "crier check-config accepts crier.conf.example")
files = sorted(f for f in os.listdir(DEMO) if f.endswith(".md"))
t.ok(3 <= len(files) <= 4, "3 or 4 sample weeknotes ship", files)

titles = {}
for name in files:
    with open(os.path.join(DEMO, name)) as f:
        text = f.read()
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    t.ok(m, f"{name} has front matter")
    fm = dict(line.split(": ", 1) for line in m.group(1).splitlines())
    t.ok(fm.get("title") and fm.get("tags") and re.match(r"\d{4}-\d\d-\d\d", fm.get("date", "")),
         f"{name}: title, tags and date", fm)
    titles[name] = fm["title"]

# a copy of the folder, so the test can add to it
seed = os.path.join(tempfile.mkdtemp(prefix="crier-seed-"), "demo")
shutil.copytree(DEMO, seed)
config = f"""
[team demo]
name = Digital team (demo)
description = A made-up council digital team.
seed = {seed}
"""
c = Crier(config=config)
d = c.serve()
with stopped_cleanly(t, d, "first start"):
    d.wait_for(r'msg="seed posts published" posts=%d' % len(files))
    rows = c.sql("SELECT title, status, kind FROM posts ORDER BY published_at")
    t.eq(sorted(r[0] for r in rows), sorted(titles.values()), "every sample is published once")
    t.ok(all(r[1:] == ("published", "local") for r in rows), "as published local posts")
    river = d.get("/")[2].decode()
    for title in titles.values():
        t.contains(river, title, f"the river shows “{title}”")
    week = d.get("/week/2026-W47")[2].decode()
    t.contains(week, "Weeknotes 47", "the week view shows week 47's weeknote")
    t.contains(week, "Digital team (demo)", "grouped under the demo team")
    t.not_contains(week, "Weeknotes 46", "and not week 46's")
    status, _, team = d.get("/team/demo")
    t.eq(status, 200, "/team/demo is 200")
    t.eq(len(re.findall(r'class="post-title"', team.decode())), len(files), "the team page lists them all")
    status, h, atom = d.get("/team/demo.atom")
    t.eq(status, 200, "the team's Atom feed is 200")
    t.eq(atom.decode().count("<entry>"), len(files), "with an entry each")
    t.eq(len(json.loads(d.get("/team/demo.json")[2])["items"]), len(files), "the JSON Feed has them too")
    status, _, tag = d.get("/tag/waste-services")
    t.ok(status == 200 and "Weeknotes 45" in tag.decode(), "front matter tags become tag pages")
    pid = c.sql("SELECT id, slug FROM posts WHERE title LIKE 'Weeknotes 46%'")[0]
    status, _, page = d.get(f"/post/{pid[0]}-{pid[1]}")
    t.ok(status == 200 and "<table>" in page.decode(), "Markdown tables render in the sample")
    t.eq(c.sql("SELECT published_at FROM posts WHERE title LIKE 'Weeknotes 47%'")[0][0], 1795190400,
         "the front matter date is the published date (2026-11-20T16:00:00Z)")

d = c.serve()
with stopped_cleanly(t, d, "restart"):
    d.wait_for(r'msg="crier started"')
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], len(files), "a restart publishes nothing twice")
    t.not_contains(d.log(), "seed posts published", "and logs no seeding")

with open(os.path.join(seed, "2026-11-27-weeknotes-48.md"), "w") as f:
    f.write("---\ntitle: Weeknotes 48: alpha plan\ntags: weeknotes\ndate: 2026-11-23\n---\nPlanning.\n")
d = c.serve()
with stopped_cleanly(t, d, "a new file"):
    d.wait_for(r'msg="seed posts published" posts=1')
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], len(files) + 1, "a file added later is published once")
    t.contains(d.get("/team/demo")[2].decode(), "Weeknotes 48: alpha plan", "and shows")

shutil.rmtree(os.path.dirname(seed), ignore_errors=True)
c.cleanup()
t.done()
