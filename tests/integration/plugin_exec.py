"""exec through the real pipeline: a filter command (any language; here
Python) edits a post (title, sanitized content, tags) or drops it by
what it prints; a command that exits non-zero, crashes, hangs past its
timeout or prints garbage is logged and the post goes on unchanged;
an observe command gets each event as JSON on stdin and never holds up
the pipeline."""

import json
import os
import sys
import time

from crierlib import Crier
from fixture_server import FixtureServer
from pluginlib import config_keys, rss, tags_of
from tap import TAP

t = TAP()

FILTER = r'''
import json, os, signal, sys, time
ev = json.load(sys.stdin)
assert ev["event"] == "post_filter" and os.environ["CRIER_EVENT"] == "post_filter"
p = ev["post"]
g = p["guid"]
if "spam" in p["title"].lower():
    print(json.dumps({"drop": True}))
elif g == "e2":
    print(json.dumps({"title": p["title"].upper() + " (" + ev["feed"]["name"] + ")",
                      "content_html": "<p>rewritten <script>alert(1)</script></p>",
                      "add_tags": ["shouted"], "remove_tags": ["Updates"]}))
elif g == "e3":
    sys.stderr.write("e3 is not welcome\nsecond line\n")
    sys.exit(3)
elif g == "e4":
    os.kill(os.getpid(), signal.SIGSEGV)
elif g == "e5":
    time.sleep(30)
elif g == "e6":
    print("this is not json")
elif g == "e7":
    print(json.dumps({"url": "javascript:alert(1)"}))
else:
    print("{}")
'''

ITEMS = [("e1", "First", "one"), ("e2", "Second", "two"), ("e3", "Third", "three"),
         ("e4", "Fourth", "four"), ("e5", "Fifth", "five"), ("e6", "Sixth", "six"),
         ("e7", "Seventh", "seven"), ("e8", "Buy SPAM now", "spam")]


def rss_with_category(items):
    return rss(items).replace("</description>", "</description><category>Updates</category>")


with FixtureServer() as srv, Crier() as c:
    script = os.path.join(c.dir, "filter.py")
    with open(script, "w") as f:
        f.write(FILTER)
    events = os.path.join(c.dir, "events")
    os.makedirs(events)
    srv.set("/blog.xml", body=rss_with_category(ITEMS), content_type="application/rss+xml")
    keys = config_keys(c, srv)
    c.write_config(keys,
                   f"[feed {srv.url('/blog.xml')}]\nname = Team blog\n"
                   f"[plugin venus]\npath = exec.so\nmode = filter\ncommand = {sys.executable} {script}\n"
                   f"timeout = 1s\n"
                   f"[plugin notify]\npath = exec.so\nevents = post_stored, feed_fetched\n"
                   f"command = cat > {events}/$$.json\n"
                   f"[plugin broken-notify]\npath = exec.so\ncommand = kill -SEGV $$\n")
    started = time.monotonic()
    r = c.run("fetch")
    took = time.monotonic() - started
    t.eq(r.returncode, 0, "fetch exits 0 whatever the commands do")
    t.ok(took < 10, f"a hanging filter costs its timeout, not more ({took:.1f}s)")
    t.contains(r.stdout, "7 new posts", "seven posts stored, one dropped")
    log = r.stderr

    # -- edits and drops by what the command prints
    t.eq(c.sql("SELECT count(*) FROM posts WHERE guid = 'e8'")[0][0], 0, '{"drop": true} drops the post')
    t.eq(c.sql("SELECT title FROM posts WHERE guid = 'e2'"), [("SECOND (Team blog)",)],
         "a new title (the command saw the feed's name)")
    html = c.sql("SELECT content_html FROM posts WHERE guid = 'e2'")[0][0]
    t.ok("rewritten" in html and "<script" not in html, "new content, sanitized again", html)
    t.eq(c.sql("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'rewritten'")[0][0], 1,
         "the search text follows the new content")
    t.eq(tags_of(c, "e2"), {"shouted"}, "add_tags and remove_tags")
    t.eq((c.sql("SELECT title FROM posts WHERE guid = 'e1'"), tags_of(c, "e1")), ([("First",)], {"updates"}),
         "{} keeps the post as it was")

    # -- failures: logged with the command's own words, the post goes on unchanged
    def unchanged(guid, title):
        return c.sql("SELECT title FROM posts WHERE guid = ?", (guid,)) == [(title,)] and \
            tags_of(c, guid) == {"updates"}
    t.ok(unchanged("e3", "Third"), "exit 3: the post goes on unchanged")
    t.contains(log, 'result="exit 3" stderr="e3 is not welcome"', "the exit status and stderr's first line")
    t.ok(unchanged("e4", "Fourth"), "a crashing command: the post goes on unchanged")
    t.contains(log, 'result="killed by signal 11"', "the crash is logged")
    t.ok(unchanged("e5", "Fifth"), "a hanging command: the post goes on unchanged")
    t.contains(log, 'result="timed out after 1000ms (killed)"', "the timeout is logged")
    t.ok(unchanged("e6", "Sixth"), "garbage output: the post goes on unchanged")
    t.contains(log, "filter command printed something that is not a JSON object", "and is logged")
    t.ok(unchanged("e7", "Seventh") and
         c.sql("SELECT url FROM posts WHERE guid = 'e7'") == [("https://team.example/e7",)],
         "a javascript: URL is refused; the post keeps its own")
    t.contains(log, "plugin hook failed; going on as if it had not run\" plugin=venus hook=post_filter rc=-1 "
               "post=e3", "each failure is also logged by the daemon with the plugin's name")

    # -- observe: every event as JSON on stdin; a crashing observer changes nothing
    docs = []
    for name in os.listdir(events):           # one file per run (observers run in parallel)
        with open(os.path.join(events, name)) as f:
            docs.append(json.load(f))
    stored = sorted(d["post"]["guid"] for d in docs if d["event"] == "post_stored")
    t.eq(stored, ["e1", "e2", "e3", "e4", "e5", "e6", "e7"], "post_stored: one run per stored post")
    e2 = [d for d in docs if d["event"] == "post_stored" and d["post"]["guid"] == "e2"][0]
    t.eq((e2["change"], e2["post"]["title"], e2["post"]["tags"], e2["feed"]["name"]),
         ("new", "SECOND (Team blog)", ["shouted"], "Team blog"), "with the post as stored and its feed")
    fetched = [d for d in docs if d["event"] == "feed_fetched"]
    t.eq(len(fetched), 1, "feed_fetched too (events =)")
    t.eq((fetched[0]["feed"]["status"], fetched[0]["feed"]["error"]), (200, None), "with the outcome")
    t.contains(log, 'msg="command failed" plugin=broken-notify', "a crashing observer is logged")
    t.contains(log, 'result="killed by signal 11"', "with how it ended")

    # -- bad keys
    c.write_config(keys, "[plugin x]\npath = exec.so\n"
                   "[plugin y]\npath = exec.so\ncommand = true\nmode = filter\nevents = post_stored\n"
                   "[plugin z]\npath = exec.so\ncommand = true\ntimeout = forever\n")
    r = c.run("check-config")
    t.eq(r.returncode, 1, "check-config fails on bad exec keys")
    t.contains(r.stderr, ":8: [plugin x] needs command = what to run", "no command")
    t.contains(r.stderr, ":14: [plugin y] events: is for mode = observe", "events in filter mode")
    t.contains(r.stderr, ":18: [plugin z] timeout: expected a duration", "a bad timeout")

t.done()
