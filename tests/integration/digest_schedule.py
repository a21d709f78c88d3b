"""The weekly digest schedule with an injected clock (CRIER_FAKE_NOW) in
Europe/London, across the end of British Summer Time (25 October 2026):
`crier digest tick` every eight hours from 16 October to 6 November, plus
ticks a second either side of each Friday noon, makes exactly one draft
per week, never before 12:00 local time (11:00 UTC in BST, 12:00 UTC in
GMT), never two; each from that week's posts with the section's tag,
titled from its template.  A second section drafts last week's digest
each Monday and publishes it itself (auto_publish).  Two ticks at once
(two processes) still make one draft, and `crier serve` runs the
schedule by itself."""

import calendar
import os
import subprocess
import time

from crierlib import CRIER, SRCDIR, Crier, stopped_cleanly
from fixture_server import FixtureServer
from tap import TAP

t = TAP()


def utc(s):
    """'2026-10-16 11:00:00' (UTC) -> Unix seconds."""
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


srv = FixtureServer()
srv.__enter__()
with open(os.path.join(SRCDIR, "tests", "fixtures", "digest", "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")

c = Crier(config=f"""
[feed {srv.url('/sector.xml')}]
name = Sector weeknotes

[digest weekly]
schedule = fri 12:00
tag = weeknotes
title = Weeknotes digest, week {{{{week}}}}
intro = The week's *weeknotes*, for you to finish.

[digest monday]
schedule = Monday 9:00
week = previous
search = weeknotes OR audit
title = Last week: {{{{range}}}}
auto_publish = true
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}"})
t.eq(c.run("fetch").returncode, 0, "crier fetch exits 0")
LONDON = {"TZ": "Europe/London"}


def tick(at):
    r = c.run("digest", "tick", env=dict(LONDON, CRIER_FAKE_NOW=str(at)))
    if r.returncode != 0:
        t.diag(r.stderr)
    return r


made = 0
ticks = []
at = utc("2026-10-16 03:30:00")
while at < utc("2026-11-07 00:00:00"):
    ticks.append(at)
    at += 8 * 3600
ticks += [utc("2026-10-16 10:59:59"), utc("2026-10-16 11:00:00"),
          utc("2026-10-30 11:59:59"), utc("2026-10-30 12:00:00")]
failures = 0
for at in sorted(ticks):
    r = tick(at)
    failures += r.returncode != 0
    made += int(r.stdout.split()[0]) if r.stdout.split() else 0
t.eq(failures, 0, f"{len(ticks)} ticks, every one exits 0")

weekly = c.sql("SELECT week, created_at, slug, title, status, intro FROM digests "
               "WHERE section = 'weekly' ORDER BY week")
t.eq([w[0] for w in weekly], ["2026-W42", "2026-W43", "2026-W44", "2026-W45"], "one weekly draft per week")
t.eq(c.sql("SELECT count(*) FROM digests WHERE section = 'weekly' GROUP BY week HAVING count(*) > 1"), [],
     "never two for a week")
want_at = {
    "2026-W42": utc("2026-10-16 11:00:00"),     # 12:00 BST, on the dot
    "2026-W43": utc("2026-10-23 11:30:00"),     # first tick after 12:00 BST
    "2026-W44": utc("2026-10-30 12:00:00"),     # 12:00 GMT: 11:30 UTC was too early
    "2026-W45": utc("2026-11-06 19:30:00"),     # 11:30 UTC is before 12:00 GMT
}
for week, created, slug, title, status, intro in weekly:
    t.eq(created, want_at[week], f"{week}: drafted at the first tick at or after Friday 12:00 London time")
    t.eq(slug, "weekly-" + week.lower().replace("-w", "-w"), f"{week}: slug from the section and week")
    t.eq(title, f"Weeknotes digest, week {int(week[6:])}", f"{week}: title from the template")
    t.eq(status, "draft", f"{week}: a draft for an editor to finish")
    t.eq(intro, "The week's *weeknotes*, for you to finish.", f"{week}: the section's intro")
items = c.sql("SELECT d.week, p.title FROM digest_items i JOIN digests d ON d.id = i.digest_id "
              "JOIN posts p ON p.id = i.post_id WHERE d.section = 'weekly' ORDER BY d.week, i.position")
t.eq(items, [("2026-W42", "Weeknotes 42: café forms, “done”"), ("2026-W43", "Weeknotes 43: kettles and queues"),
             ("2026-W44", "Weeknotes 44: the clocks go back"), ("2026-W45", "Weeknotes 45: bonfire week")],
     "each draft holds that week's posts with the tag, and only those")

monday = c.sql("SELECT week, created_at, status, published_at, title FROM digests "
               "WHERE section = 'monday' ORDER BY week")
t.eq([m[0] for m in monday], ["2026-W41", "2026-W42", "2026-W43", "2026-W44"],
     "the Monday section covers the week before (W41 at the first tick: that Monday had passed)")
t.eq([m[1] for m in monday], [utc("2026-10-16 03:30:00"), utc("2026-10-19 11:30:00"),
                              utc("2026-10-26 11:30:00"), utc("2026-11-02 11:30:00")],
     "made at the first tick after Monday 09:00 London time")
t.eq([m[2] for m in monday], ["draft", "published", "published", "published"],
     "auto_publish published each one with posts; the empty one stays a draft")
t.eq([m[3] for m in monday[1:]], [m[1] for m in monday[1:]], "as it was made")
t.eq(monday[1][4], "Last week: 12 to 18 October 2026", "{{range}} in a title")
w42 = c.sql("SELECT p.title FROM digest_items i JOIN digests d ON d.id = i.digest_id JOIN posts p ON "
            "p.id = i.post_id WHERE d.section = 'monday' AND d.week = '2026-W42' ORDER BY i.position")
t.eq([x[0] for x in w42], ["Accessibility audit of our services", "Weeknotes 42: café forms, “done”"],
     "a saved search picks its posts, oldest first")
t.eq(made, 8, "the ticks reported 8 drafts made in all")

# -- repeated and simultaneous ticks make nothing more
r = tick(utc("2026-11-06 23:00:00"))
t.contains(r.stdout, "0 drafts made", "a later tick in the same week makes none")
at = str(utc("2026-11-13 12:00:00"))
env = c.env(dict(LONDON, CRIER_FAKE_NOW=at))
procs = [subprocess.Popen([CRIER, "-c", c.config_path, "digest", "tick"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) for _ in range(3)]
outs = [p.communicate(timeout=60) for p in procs]
t.eq([p.returncode for p in procs], [0, 0, 0], "three ticks at once all exit 0")
t.eq(sum(int(o[0].split()[0]) for o in outs), 2, "between them they made two drafts (one per section)")
t.eq(c.sql("SELECT section, week, count(*) FROM digests WHERE week IN ('2026-W45', '2026-W46') "
           "GROUP BY section, week ORDER BY section"),
     [("monday", "2026-W45", 1), ("weekly", "2026-W45", 1), ("weekly", "2026-W46", 1)],
     "exactly one draft per section and week")

# -- crier serve runs the schedule itself
d = c.serve(env=dict(LONDON, CRIER_FAKE_NOW=str(utc("2026-11-20 12:05:00"))))
with stopped_cleanly(t, d, "schedule daemon"):
    d.wait_for(r'msg="digest drafted" section=weekly week=2026-W47')
    t.eq(c.sql("SELECT count(*) FROM digests WHERE week = '2026-W47'"), [(1,)], "serve drafted W47 at start")
    status, _, body = d.get("/digests")
    t.not_contains(body.decode(), "Weeknotes digest, week", "drafts are not on /digests")
    t.contains(body.decode(), "Last week: 12 to 18 October 2026", "auto-published ones are")

srv.__exit__(None, None, None)
c.cleanup()
t.done()
