"""feedhealth through the real pipeline: a feed's owner (owner_webhook,
owner_email through email_webhook) is told once when the feed starts
failing (after N failures in a row), once when it recovers, when it
moves permanently and when it is gone; feeds without an owner go to the
plugin's own webhook; `crier serve` delivers the messages."""

import json
import time

from crierlib import Crier, stopped_cleanly
from fixture_server import FixtureServer
from pluginlib import config_keys, rss
from tap import TAP

t = TAP()
NOW = 1795000000


def queued(c, after_id=0):
    """(outbox id, url path, body) rows queued by feedhealth after after_id."""
    rows = c.sql("SELECT id, url, body FROM outbox WHERE purpose = 'plugin feedhealth' AND id > ? "
                 "ORDER BY id", (after_id,))
    return [(i, "/" + u.split("/", 3)[3], json.loads(bytes(b))) for i, u, b in rows]


with FixtureServer() as srv, Crier() as c:
    feed = rss([("h1", "Hello", "hi")])
    for path in ("/a.xml", "/b.xml", "/c-new.xml"):
        srv.set(path, body=feed, content_type="application/rss+xml")
    srv.redirect("/c.xml", "/c-new.xml", 301)
    srv.set("/d.xml", status=410, body="gone")
    for path in ("/owner-a", "/owner-c", "/ops", "/mail"):
        srv.set(path, status=200, body="ok")
    c.write_config(config_keys(c, srv),
                   f"[feed {srv.url('/a.xml')}]\nname = Feed A\nowner_webhook = {srv.url('/owner-a')}\n"
                   f"owner_email = team-a@example.org\n"
                   f"[feed {srv.url('/b.xml')}]\nname = Feed B\n"
                   f"[feed {srv.url('/c.xml')}]\nname = Feed C\nowner_webhook = {srv.url('/owner-c')}\n"
                   f"[feed {srv.url('/d.xml')}]\nname = Feed D\n"
                   f"[plugin feedhealth]\npath = feedhealth.so\nafter = 2\nwebhook = {srv.url('/ops')}\n"
                   f"email_webhook = {srv.url('/mail')}\n")
    r = c.run("check-config")
    t.eq(r.returncode, 0, "check-config accepts owner keys and the plugin")

    def fetch(step):
        r = c.run("fetch", "--all", env={"CRIER_FAKE_NOW": str(NOW + 60 * step)})
        if r.returncode != 0:
            t.diag(r.stderr)
        return r

    # -- first poll: C moves, D is gone; A and B are fine
    fetch(0)
    msgs = queued(c)
    got = sorted((path, m.get("event")) for _, path, m in msgs)
    t.eq(got, [("/ops", "feed_gone"), ("/owner-c", "feed_moved")],
         "a move goes to the feed's owner; a gone feed without owner to the plugin's webhook")
    moved = [m for _, p, m in msgs if p == "/owner-c"][0]
    t.eq((moved["feed"]["name"], moved["feed"]["url"], moved["feed"]["moved_to"]),
         ("Feed C", srv.url("/c.xml"), srv.url("/c-new.xml")), "the message names the feed, old and new URL")
    t.contains(moved["text"], "moved permanently from", "and says what happened in words")
    last = msgs[-1][0]

    # -- A fails: nothing at the first failure, "failing" at the second (after = 2), then quiet
    srv.set("/a.xml", status=500, body="oops")
    fetch(1)
    t.eq([m for m in queued(c, last) if m[1] != "/owner-c"], [], "one failure: nobody is told yet")
    fetch(2)
    msgs = queued(c, last)
    a_msgs = [(p, m) for _, p, m in msgs if p in ("/owner-a", "/mail")]
    t.eq(sorted(p for p, _ in a_msgs), ["/mail", "/owner-a"], "two failures in a row: the owner's webhook and mail")
    hook = [m for p, m in a_msgs if p == "/owner-a"][0]
    t.eq((hook["event"], hook["feed"]["error_count"], hook["feed"]["error"], hook["feed"]["status"]),
         ("feed_failing", 2, "HTTP 500 Internal Server Error", 500), "feed_failing, with the error")
    mail = [m for p, m in a_msgs if p == "/mail"][0]
    t.eq((mail["to"], mail["subject"]), ("team-a@example.org", "crier: failing (Feed A)"),
         "the mail API gets to, subject and text")
    t.contains(mail["text"], "has failed 2 times in a row: HTTP 500 Internal Server Error", "in words")
    last = msgs[-1][0] if msgs else last
    fetch(3)
    t.eq([p for _, p, _ in queued(c, last) if p in ("/owner-a", "/mail")], [],
         "a third failure tells nobody again")
    last = max([last] + [i for i, _, _ in queued(c, last)])

    # -- A recovers
    srv.set("/a.xml", body=feed, content_type="application/rss+xml")
    fetch(4)
    msgs = [(p, m) for _, p, m in queued(c, last) if p in ("/owner-a", "/mail")]
    t.eq(sorted((p, m.get("event", m.get("subject"))) for p, m in msgs),
         [("/mail", "crier: recovered (Feed A)"), ("/owner-a", "feed_recovered")], "recovery is told once")
    last = max([last] + [i for i, _, _ in queued(c, last)])
    fetch(5)
    t.eq([p for _, p, _ in queued(c, last) if p in ("/owner-a", "/mail")], [], "and not again")

    # -- B, without an owner, fails: the plugin's webhook hears of it
    srv.set("/b.xml", status=404, body="no")
    fetch(6)
    fetch(7)
    msgs = [(p, m) for _, p, m in queued(c, last) if p == "/ops" and m["event"] == "feed_failing"]
    t.eq([m["feed"]["name"] for _, m in msgs], ["Feed B"], "a feed without owner: the plugin's webhook")

    # -- delivery through the daemon
    d = c.serve()
    with stopped_cleanly(t, d, "serve delivering feed health messages"):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(srv.log("/owner-a")) < 2:
            time.sleep(0.05)
        got = [json.loads(r.body)["event"] for r in srv.log("/owner-a")]
        t.eq(got, ["feed_failing", "feed_recovered"], "the owner's webhook receives both, in order")

t.done()
