"""WebSub end to end: with websub_hub set, every page and feed names the
hub and exactly one self (document and Link header, JSON Feed "hubs"),
and each publish, update and delete POSTs hub.mode=publish for the
affected feeds to a recording hub on 127.0.0.1, asynchronously.  The hub
fails the first notification for each feed: the outbox keeps it and
retries (a second daemon started with the clock two minutes on, as a
real one would be by then), and every notification ends delivered."""

import json
import re
import time
import urllib.parse

from crierlib import stopped_cleanly
from micropublib import Client, base_url, publishing_crier
from tap import TAP
from websub_hub import RecordingHub

t = TAP()
hub = RecordingHub(fail_first=True, delay=0.1)
c, token = publishing_crier(keys={"websub_hub": hub.url, "allow_private_hosts": f"127.0.0.1:{hub.port}"})
BASE = base_url(c)
WEEK = time.strftime("%G-W%V", time.gmtime())
FEEDS = ["feed", "team/web", "tag/websub-test", f"week/{WEEK}"]
TOPICS = sorted(f"{BASE}{f}.{ext}" for f in FEEDS for ext in ("atom", "rss", "json"))


def outbox():
    return c.sql("SELECT url, attempts, done_at, coalesce(last_error, '') FROM outbox ORDER BY id")


def link_rels(header):
    """{rel: [urls]} of a Link header."""
    rels = {}
    for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]*)"', header or ""):
        rels.setdefault(rel, []).append(url)
    return rels


with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)
    started = time.monotonic()
    status, h, _ = mp.form([("h", "entry"), ("name", "WebSub post"), ("content", "Hello hub"),
                            ("category", "websub-test")])
    took = time.monotonic() - started
    t.eq(status, 201, "the post is published")
    loc = h.get("location", "")
    t.ok(took < 0.6, f"publishing does not wait for the (slow) hub ({took:.2f}s; 12 notifications take 1.2s)")

    # discovery on pages: rel=hub and one rel=self, in the document and the Link header
    for path in ("/", "/team/web", "/tag/websub-test", f"/week/{WEEK}", urllib.parse.urlsplit(loc).path):
        status, hh, body = d.get(path)
        page = body.decode()
        t.eq(status, 200, f"{path}: 200")
        t.contains(page, f'<link rel="hub" href="{hub.url}">', f"{path}: names the hub")
        t.eq(len(re.findall(r'<link rel="self"', page)), 1, f"{path}: exactly one rel=self in the page")
        rels = link_rels(hh.get("link"))
        t.eq(rels.get("hub"), [hub.url], f"{path}: Link header names the hub")
        t.eq(rels.get("self"), [BASE + path.lstrip("/")], f"{path}: and exactly one self, the page itself")

    # discovery in feeds
    for f in ("feed", "team/web", "tag/websub-test"):
        for ext in ("atom", "rss", "json"):
            path = f"/{f}.{ext}"
            status, hh, body = d.get(path)
            text = body.decode()
            self_url = f"{BASE}{f}.{ext}"
            rels = link_rels(hh.get("link"))
            t.eq((rels.get("hub"), rels.get("self")), ([hub.url], [self_url]),
                 f"{path}: Link header: hub and one self")
            if ext == "json":
                doc = json.loads(text)
                t.eq(doc.get("hubs"), [{"type": "WebSub", "url": hub.url}], f"{path}: JSON Feed hubs")
                t.eq(doc.get("feed_url"), self_url, f"{path}: feed_url is self")
            else:
                head = re.split(r"<entry>|<item>", text)[0]
                t.eq(len(re.findall(r'rel="self"', head)), 1, f"{path}: one rel=self")
                t.eq(re.findall(r'<(?:atom:)?link[^>]*rel="self"[^>]*>', head)[0].count(self_url), 1,
                     f"{path}: self is this feed")
                t.ok(re.search(r'<(?:atom:)?link[^>]*rel="hub"[^>]*href="' + re.escape(hub.url), head)
                     or re.search(r'<(?:atom:)?link[^>]*href="' + re.escape(hub.url) + r'"[^>]*rel="hub"', head),
                     f"{path}: names the hub")

    # the pings: one per affected feed, form-encoded hub.mode=publish; each fails once
    pings = hub.wait(lambda p: len({x.url for x in p}) >= len(TOPICS))
    t.eq(sorted({p.url for p in pings}), TOPICS, "the hub heard about the river, team, tag and week feeds")
    t.ok(all(p.mode == "publish" for p in pings), "every notification is hub.mode=publish")
    t.ok(all(p.content_type.startswith("application/x-www-form-urlencoded") for p in pings),
         "form-encoded")
    t.ok(all(p.status == 503 for p in pings), "and the hub failed each first attempt")
    rows = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = outbox()
        if rows and all(r[1] == 1 for r in rows):
            break
        time.sleep(0.1)
    t.eq(len(rows), len(TOPICS), "the outbox holds one notification per feed")
    t.ok(all(r[1] == 1 and r[2] == 0 and "503" in r[3] for r in rows),
         "each was tried once, failed with 503 and waits for a retry", rows)

    # a draft pings nobody
    status, _, _ = mp.form([("h", "entry"), ("content", "secret draft"), ("category", "websub-test"),
                            ("post-status", "draft")])
    t.eq(status, 201, "a draft is created")
    t.eq(len(outbox()), len(TOPICS), "a draft queues no notification")

    # an update and a delete ping again (the hub now accepts these feeds)
    n = len(hub.snapshot())
    status, _, _ = mp.json({"action": "update", "url": loc, "replace": {"content": ["Hello again, hub"]}})
    t.eq(status, 204, "the post is updated")
    pings = hub.wait(lambda p: len(p) >= n + len(TOPICS))
    t.eq(sorted(p.url for p in pings[n:]), TOPICS, "the update notified the same feeds")
    t.ok(all(p.status == 202 for p in pings[n:]), "and the hub took them (202)")
    n = len(pings)
    status, _, _ = mp.json({"action": "delete", "url": loc})
    t.eq(status, 204, "the post is deleted")
    # (pipeline_set_status notifies the river, team and week feeds; not yet the tag feeds)
    untagged = sorted(u for u in TOPICS if "/tag/" not in u)
    pings = hub.wait(lambda p: set(untagged) <= {x.url for x in p[n:]})
    t.eq(sorted({p.url for p in pings[n:]} & set(untagged)), untagged,
         "the delete notified the river, team and week feeds")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and c.sql("SELECT count(*) FROM outbox WHERE attempts = 0")[0][0]:
        time.sleep(0.1)
    t.eq(c.sql("SELECT count(*) FROM outbox WHERE attempts = 0")[0][0], 0, "every notification was tried")
    time.sleep(0.5)         # let the last answers land before stopping

# the retries: a later daemon (two minutes on) delivers what failed
n = len(hub.snapshot())
later = str(int(time.time()) + 120)
with stopped_cleanly(t, c.serve(env={"CRIER_FAKE_NOW": later}), "daemon two minutes later") as d2:
    pings = hub.wait(lambda p: len(p) >= n + len(TOPICS))
    t.eq(sorted(p.url for p in pings[n:]), TOPICS, "the failed notifications were retried")
    t.ok(all(p.status == 202 for p in pings[n:]), "and delivered")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and c.sql("SELECT count(*) FROM outbox WHERE done_at <= 0")[0][0]:
        time.sleep(0.1)
    t.eq(c.sql("SELECT count(*) FROM outbox WHERE done_at <= 0")[0][0], 0, "the outbox is empty of work")
    t.eq(sorted(set(r[1] for r in outbox())), [1, 2], "first notifications took two tries, the rest one")

hub.close()
t.done()
