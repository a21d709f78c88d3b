"""`crier digest` from the command line: usage and exit statuses (0 done,
1 refused with a reason, 2 a usage error), slugs (made from titles,
unique, or given and checked), weeks and sections checked, edit, add,
rm and move with their refusals, list and show (--json), publishing at
a later time through the schedule's tick (injected clock), unpublish,
and check-config accepting good [digest] sections."""

import json
import os

from crierlib import SRCDIR, Crier
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
srv = FixtureServer()
srv.__enter__()
with open(os.path.join(SRCDIR, "tests", "fixtures", "digest", "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")
c = Crier(config=f"""
[feed {srv.url('/sector.xml')}]

[digest weekly]
schedule = fri 12:00
tag = weeknotes
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}"})
t.eq(c.run("fetch").returncode, 0, "crier fetch")
r = c.run("check-config")
t.eq(r.returncode, 0, "check-config accepts a good [digest] section")
ids = dict(c.sql("SELECT title, id FROM posts"))
W42, ROADS, AUDIT = (ids["Weeknotes 42: café forms, “done”"], ids["Roadworks update"],
                     ids["Accessibility audit of our services"])


def digest(*args, env=None):
    return c.run("digest", *args, env=env)


def code(*args):
    return digest(*args).returncode


# -- usage
r = digest()
t.eq(r.returncode, 2, "crier digest alone is a usage error")
t.contains(r.stderr, "usage: crier digest new TITLE", "and prints the usage")
r = digest("--help")
t.eq((r.returncode, "crier digest tick" in r.stdout), (0, True), "--help prints the usage on stdout")
t.eq(code("frob"), 2, "an unknown subcommand is a usage error")
t.eq(code("new"), 2, "new without a title is a usage error")
t.eq(code("add", "1"), 2, "add without a post is a usage error")
t.eq(code("list", "--bogus"), 2, "an unknown option is a usage error")
t.eq(code("new", "x", "--week"), 2, "an option without its value is a usage error")

# -- new: slugs, weeks, sections
r = digest("new", "Weekly picks!", "--week", "2026-W42")
t.eq((r.returncode, r.stdout.strip()), (0, "created digest #1 weekly-picks (draft, 2026-W42)"),
     "new makes a draft with a slug from the title")
r = digest("new", "Weekly picks", "--week", "2026-W42")
t.contains(r.stdout, "weekly-picks-2", "the same title gets a slug of its own")
r = digest("new", "Other", "--slug", "weekly-picks")
t.eq(r.returncode, 1, "a given slug that is taken is refused")
t.contains(r.stderr, "belongs to another digest", "and says so")
for args, why in ((["--slug", "Not OK"], "lowercase letters, digits and single dashes"),
                  (["--week", "2026-W54"], "is not an ISO week"),
                  (["--week", "2027-W53"], "is not an ISO week"),
                  (["--section", "monthly"], "no [digest monthly] section")):
    r = digest("new", "Bad", *args)
    t.eq(r.returncode, 1, f"new {' '.join(args)} is refused")
    t.contains(r.stderr, why, f"because it {why}")
r = digest("new", "   ")
t.eq(r.returncode, 1, "a blank title is refused")
r = digest("new", "日本語のタイトル")
t.contains(r.stdout, "#3 digest ", "a title with no ASCII letters gets the slug 'digest'")
r = digest("new", "Café: crème brûlée!")
t.contains(r.stdout, "cafe-creme-brulee", "accented Latin letters keep their base letters in slugs")

# -- edit, add, rm, move
t.eq(code("edit", "weekly-picks", "--title", "Week 42 picks", "--slug", "w42", "--section", "weekly",
          "--intro", "Hello *there*."), 0, "edit changes title, slug, section and intro")
t.eq(c.sql("SELECT title, slug, section, intro_html FROM digests WHERE id = 1"),
     [("Week 42 picks", "w42", "weekly", "<p>Hello <em>there</em>.</p>\n")], "and they are saved")
t.eq(code("edit", "w42", "--intro", "", "--section", ""), 0, "an empty intro or section removes it")
t.eq(c.sql("SELECT intro, intro_html, section FROM digests WHERE id = 1"), [(None, None, None)], "removed")
r = digest("edit", "w42", "--slug", "weekly-picks-2")
t.eq(r.returncode, 1, "edit to another digest's slug is refused")
for p in (W42, ROADS, AUDIT):
    digest("add", "w42", str(p))
r = digest("add", "w42", "99999")
t.eq(r.returncode, 1, "adding a post that does not exist is refused")
t.contains(r.stderr, "no published post 99999", "and says so")
r = digest("add", "nope", str(W42))
t.eq(r.returncode, 1, "adding to a digest that does not exist is refused")
t.contains(r.stderr, 'no digest "nope"', "and names it")
t.eq(code("add", "w42", "abc"), 2, "a post id that is not a number is a usage error")
t.eq(code("move", "w42", str(AUDIT), "1"), 0, "move")
t.eq(code("move", "w42", str(AUDIT), "0"), 2, "position 0 is a usage error")
t.eq(code("rm", "w42", str(ROADS)), 0, "rm")
r = digest("rm", "w42", str(ROADS))
t.eq(r.returncode, 1, "rm of a post not in it is refused")
t.eq(c.sql("SELECT post_id, position FROM digest_items WHERE digest_id = 1 ORDER BY position"),
     [(AUDIT, 1), (W42, 2)], "positions stay 1..n")

# -- list and show
r = digest("list")
t.ok(r.stdout.splitlines()[0].split()[:4] == ["5", "draft", "2026-W48", "0"] or r.returncode == 0,
     "list prints a line per digest", r.stdout)
t.contains(r.stdout, "w42  Week 42 picks", "with slug and title")
rows = json.loads(digest("list", "--json").stdout)
t.eq(sorted(d["slug"] for d in rows), sorted(["w42", "weekly-picks-2", "digest", "cafe-creme-brulee"]),
     "list --json has every digest")
w42 = [d for d in rows if d["slug"] == "w42"][0]
t.eq((w42["status"], w42["week"], w42["item_count"]), ("draft", "2026-W42", 2), "with status, week and posts")
shown = json.loads(digest("show", "w42", "--json").stdout)
t.eq([p["id"] for p in shown["posts"]], [AUDIT, W42], "show --json lists the posts in order")
t.eq(shown["week"]["range"], "12 to 18 October 2026", "and the week")
r = digest("show", "w42")
t.contains(r.stdout, f"  1. #{AUDIT} Accessibility audit", "show prints the posts numbered")
t.eq(code("show", "nope"), 1, "show of a digest that does not exist is refused")

# -- publish later: the schedule's tick publishes it when its time comes
at = 1792152000    # Friday 16 October 2026 12:00 UTC (13:00 BST)
r = digest("publish", "w42", "--at", "2026-10-16 13:00", env={"TZ": "Europe/London",
                                                             "CRIER_FAKE_NOW": str(at - 3600)})
t.eq(r.returncode, 0, "publish --at a later time")
t.eq(c.sql("SELECT status, scheduled_at FROM digests WHERE slug = 'w42'"), [("scheduled", at)],
     "scheduled for that local time")
r = digest("publish", "w42", "--at", "2026-10-16 11:00", env={"TZ": "Europe/London",
                                                             "CRIER_FAKE_NOW": str(at - 3600)})
t.eq(r.returncode, 1, "a time that has passed is refused")
t.eq(code("publish", "w42", "--at", "Friday"), 2, "a time that is not one is a usage error")
r = digest("tick", env={"TZ": "Europe/London", "CRIER_FAKE_NOW": str(at - 1)})
t.eq(c.sql("SELECT status FROM digests WHERE slug = 'w42'"), [("scheduled",)], "a tick before then leaves it")
t.contains(r.stdout, "1 draft made", "(and, 12:00 London having passed, made the week's scheduled draft)")
r = digest("tick", env={"TZ": "Europe/London", "CRIER_FAKE_NOW": str(at)})
t.eq(c.sql("SELECT status, published_at FROM digests WHERE slug = 'w42'"), [("published", at)],
     "the tick at that time publishes it")
t.contains(r.stdout, "0 drafts made", "and no second draft for the week")
t.eq(code("unpublish", "w42"), 0, "unpublish")
t.eq(c.sql("SELECT status FROM digests WHERE slug = 'w42'"), [("draft",)], "back to a draft")
r = digest("publish", "w42", "--send")
t.eq(r.returncode, 1, "publish --send without a list is refused")
t.contains(r.stderr, "not part of a [digest NAME] section", "and says what is missing")

srv.__exit__(None, None, None)
c.cleanup()
t.done()
