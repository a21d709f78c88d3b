"""Digests for readers, over real HTTP: /digests (by week), /digest/SLUG,
and /digests.atom, .rss, .json read back without bozo by `crier parse`
and python3-feedparser (one entry per published digest, its HTML as the
content, the digest's own URL as the id).  Drafts appear nowhere: not on
the archive, not at their address, not in a feed, before or after being
unpublished.  Publishing queues WebSub pings for the three digest feeds,
which the daemon then delivers to a hub on 127.0.0.1, and runs the
digest_published plugin hook (the example plugin's trace) once per
publication."""

import json
import os
import re
import time
import urllib.parse

import feedparser  # Debian's python3-feedparser

from crierlib import SRCDIR, Crier, stopped_cleanly
from pluginlib import PLUGIN_DIR
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
srv = FixtureServer()
srv.__enter__()
with open(os.path.join(SRCDIR, "tests", "fixtures", "digest", "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")
srv.set("/hub", status=202, body="")

c = Crier(config=f"""
[feed {srv.url('/sector.xml')}]
name = Sector weeknotes
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}", "websub_hub": srv.url("/hub"),
                 "site_title": "Sector notes", "plugin_dir": PLUGIN_DIR})
TRACE = os.path.join(c.dir, "example.trace")
with open(c.config_path, "a") as f:
    f.write(f"\n[plugin example]\npath = example.so\ntrace = {TRACE}\n")


def trace():
    try:
        with open(TRACE) as f:
            return [ln.rstrip("\n") for ln in f if "digest" in ln]
    except FileNotFoundError:
        return []
t.eq(c.run("fetch").returncode, 0, "crier fetch exits 0")
ids = dict(c.sql("SELECT title, id FROM posts"))


def run(*args):
    r = c.run("digest", *args)
    if r.returncode != 0:
        t.diag(f"crier digest {' '.join(args)}: {r.stderr}")
    return r


run("new", "Week 42 picks", "--week", "2026-W42", "--intro", "Three posts *worth* your time.")
run("add", "week-42-picks", str(ids["Weeknotes 42: café forms, “done”"]), "--note", "Forms, done well.")
run("add", "week-42-picks", str(ids["Accessibility audit of our services"]))
run("new", "Week 43 picks", "--week", "2026-W43")
run("add", "week-43-picks", str(ids["Weeknotes 43: kettles and queues"]))
run("new", "Secret draft digest", "--week", "2026-W43")
run("add", "secret-draft-digest", str(ids["Weeknotes 43: kettles and queues"]), "--note", "draft-only note")
t.eq(c.sql("SELECT count(*) FROM outbox"), [(0,)], "drafts ping nobody")
for slug in ("week-42-picks", "week-43-picks"):
    t.eq(run("publish", slug).returncode, 0, f"publish {slug}")
t.eq(trace(), ["example digest_published slug=week-42-picks items=2",
               "example digest_item 0 title=Weeknotes 42: café forms, “done” note=Forms, done well.",
               "example digest_item 1 title=Accessibility audit of our services note=-",
               "example digest_published slug=week-43-picks items=1",
               "example digest_item 0 title=Weeknotes 43: kettles and queues note=-"],
     "digest_published ran once per digest, with its posts and notes (the example plugin's trace)")
t.eq(run("publish", "week-42-picks").returncode, 0, "publishing again is harmless")
t.eq(len(trace()), 5, "and runs no hook a second time")
pings = c.sql("SELECT url, body FROM outbox WHERE purpose = 'websub' ORDER BY id")
bodies = sorted({urllib.parse.parse_qs(b.decode())["hub.url"][0] for _, b in pings})
t.ok(len(pings) == 6 and all(u == srv.url("/hub") for u, _ in pings), "each publish queues three pings", pings)
t.eq([b.rsplit("/", 1)[1] for b in bodies], ["digests.atom", "digests.json", "digests.rss"],
     "for the three digest feeds")

d = c.serve()
base = f"http://127.0.0.1:{d.port}"
with stopped_cleanly(t, d, "digest pages daemon"):
    deadline = time.monotonic() + 20
    while len(srv.log("/hub")) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    hub_urls = sorted(urllib.parse.parse_qs(r.body.decode())["hub.url"][0].rsplit("/", 1)[1]
                      for r in srv.log("/hub"))
    t.eq(hub_urls, ["digests.atom", "digests.atom", "digests.json", "digests.json", "digests.rss", "digests.rss"],
         "the daemon delivered the pings to the hub")
    # -- the archive
    status, h, body = d.get("/digests")
    page = body.decode()
    t.eq(status, 200, "/digests is 200")
    t.contains(h.get("etag", ""), '"', "/digests has an ETag (cached like the reader)")
    weeks = re.findall(r'<h2 id="week-[^"]+">([^<]+)</h2>', page)
    t.eq(weeks, ["Week 43, 2026", "Week 42, 2026"], "/digests groups by week, newest first")
    t.contains(page, '<a href="/digest/week-42-picks">Week 42 picks</a>', "and links each digest")
    t.contains(page, "2 posts", "with its size")
    t.not_contains(page, "Secret draft", "the draft is not on /digests")
    t.contains(page, f'type="application/atom+xml" title="Digests (Atom)" href="{base}/digests.atom"',
               "/digests links its Atom feed")
    # -- one digest
    status, h, body = d.get("/digest/week-42-picks")
    page = body.decode()
    t.eq(status, 200, "/digest/SLUG is 200")
    t.contains(page, '<h1 id="digest-title">Week 42 picks</h1>', "its title is the h1")
    t.contains(page, "<em>worth</em>", "the intro's Markdown rendered")
    t.contains(page, '<a href="https://sector.example/weeknotes-42">Weeknotes 42: café forms, “done”</a>',
               "each post links its original")
    t.contains(page, "Forms, done well.", "with the editor's note")
    t.contains(page, "We rebuilt the café permit form.", "and an excerpt of the post")
    for bad in ("<script", "digest-xss", "onclick", "javascript:"):
        t.not_contains(page, bad, f"nothing of {bad!r} from the feed")
    t.ok(page.index("Weeknotes 42") < page.index("Accessibility audit"), "in the editor's order")
    status, _, _ = d.get("/digest/secret-draft-digest")
    t.eq(status, 404, "a draft's address is 404")
    status, _, _ = d.get("/digest/no-such-thing")
    t.eq(status, 404, "an unknown digest is 404")
    status, h, _ = d.request("POST", "/digest/week-42-picks", body=b"x=1",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq((status, h.get("allow")), (405, "GET, HEAD"), "POST to a digest page is 405")
    status, _, _ = d.get("/digests.xml")
    t.eq(status, 404, "an unknown feed extension is 404")

    # -- the feeds, read back by two parsers
    feeds = {}
    for ext, ctype in (("atom", "application/atom+xml"), ("rss", "application/rss+xml"),
                       ("json", "application/feed+json")):
        status, h, body = d.get(f"/digests.{ext}")
        t.eq(status, 200, f"/digests.{ext} is 200")
        t.contains(h.get("content-type", ""), ctype, f"/digests.{ext} is {ctype}")
        feeds[ext] = body
        path = os.path.join(c.dir, f"digests.{ext}")
        with open(path, "wb") as f:
            f.write(body)
        r = c.run("parse", "--base", base + "/", path)
        t.eq(r.returncode, 0, f"crier parse reads digests.{ext}")
        doc = json.loads(r.stdout)
        t.eq(doc["_crier"]["bozo"], False, f"crier parse: digests.{ext} is not bozo")
        items = doc["items"]
        t.eq([i["title"] for i in items], ["Week 43 picks", "Week 42 picks"],
             f"crier parse: digests.{ext} has the published digests, newest first")
        t.eq([i["id"] for i in items], [f"{base}/digest/week-43-picks", f"{base}/digest/week-42-picks"],
             f"crier parse: digests.{ext}: each id is the digest's address")
        w42 = items[1]
        t.contains(w42.get("content_html", ""), "https://sector.example/weeknotes-42",
                   f"crier parse: digests.{ext}: the content links the posts")
        t.contains(w42.get("content_html", ""), "Forms, done well.", f"crier parse: digests.{ext}: and the notes")
        t.not_contains(json.dumps(doc), "Secret draft", f"crier parse: digests.{ext}: no draft")
        if ext == "json":   # feedparser 6.0.10 predates JSON Feed: checked by shape
            jf = json.loads(body)
            t.eq((jf["version"], [i["url"] for i in jf["items"]]),
                 ("https://jsonfeed.org/version/1.1", [f"{base}/digest/week-43-picks", f"{base}/digest/week-42-picks"]),
                 "digests.json: JSON Feed 1.1, each item at its digest's address")
        else:
            fp = feedparser.parse(body)
            t.ok(not fp.bozo, f"feedparser: digests.{ext} is not bozo", repr(fp.get("bozo_exception")))
            t.eq([e.link for e in fp.entries], [f"{base}/digest/week-43-picks", f"{base}/digest/week-42-picks"],
                 f"feedparser: digests.{ext}: each entry links its digest")
            t.contains(fp.entries[1].content[0].value if "content" in fp.entries[1] else
                       fp.entries[1].get("summary", ""), "Forms, done well.",
                       f"feedparser: digests.{ext}: the content is the digest's HTML")
    t.ok(all(b"hub" in feeds[e] for e in ("atom", "rss")), "the XML feeds name the WebSub hub")

    # -- unpublished: gone from every public place
    t.eq(run("unpublish", "week-42-picks").returncode, 0, "unpublish exits 0")
    time.sleep(0.05)
    status, _, _ = d.get("/digest/week-42-picks")
    t.eq(status, 404, "an unpublished digest's address is 404 at once (the cache follows the store)")
    _, _, body = d.get("/digests")
    t.not_contains(body.decode(), "Week 42 picks", "and it is off /digests")
    _, _, body = d.get("/digests.atom")
    t.not_contains(body.decode(), "Week 42 picks", "and out of the feed")
srv.__exit__(None, None, None)
c.cleanup()
t.done()
