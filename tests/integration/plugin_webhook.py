"""webhook through the real daemon: posts stored by `crier fetch` are only
queued (the hook is never called from the pipeline), `crier serve`
delivers them through the daemon's fetcher to a test server on
127.0.0.1 with a valid HMAC-SHA256 signature; the Slack, Teams, Matrix,
JSON and custom bodies; events, updates and tags filters; a failing
endpoint is retried later (the outbox's backoff); bad keys are refused
with their lines."""

import hashlib
import hmac
import json
import os
import time

from crierlib import Crier, stopped_cleanly
from fixture_server import FixtureServer
from pluginlib import PLUGIN_DIR, config_keys, rss
from tap import TAP

t = TAP()
SECRET = "correct horse battery staple"
ITEMS = [("w1", "Fish & <chips>", "A summary with \"quotes\"."),
         ("w2", "Second post", "Another one.")]


def bodies(srv, path):
    return [json.loads(r.body) for r in srv.log(path) if r.method == "POST"]


def wait_requests(srv, path, n, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len([r for r in srv.log(path) if r.method == "POST"]) >= n:
            return True
        time.sleep(0.05)
    return False


with FixtureServer() as srv, Crier(crier_keys={"allow_private_hosts": srv.hostport,
                                                "plugin_dir": PLUGIN_DIR}) as c:
    for path in ("/hook-json", "/hook-slack", "/hook-teams", "/hook-matrix", "/hook-custom"):
        srv.set(path, status=200, body="ok")
    srv.set("/hook-down", status=503, body="busy")
    srv.set("/blog.xml", body=rss(ITEMS), content_type="application/rss+xml")
    seed = os.path.join(c.dir, "seed")
    os.makedirs(seed)
    with open(os.path.join(seed, "notes.md"), "w") as f:
        f.write("---\ntitle: Weeknotes 7\ntags: weeknotes\n---\nWhat we did.\n")
    keys = config_keys(c, srv)
    custom = '{"msg": "{{title|html}} at {{url}}", "id": "{{id}}", "tags": "{{tags}}"}'
    c.write_config(keys,
                   f"[feed {srv.url('/blog.xml')}]\nname = Team blog\n"
                   f"[team t]\nname = Team T\nseed = {seed}\n"
                   f"[plugin hook-json]\npath = webhook.so\nurl = {srv.url('/hook-json')}\n"
                   f"secret = {SECRET}\nupdates = false\n"
                   f"[plugin hook-slack]\npath = webhook.so\nurl = {srv.url('/hook-slack')}\nformat = slack\n"
                   f"[plugin hook-teams]\npath = webhook.so\nurl = {srv.url('/hook-teams')}\nformat = teams\n"
                   f"events = post_published\n"
                   f"[plugin hook-matrix]\npath = webhook.so\nurl = {srv.url('/hook-matrix')}\nformat = matrix\n"
                   f"tags = weeknotes\n"
                   f"[plugin hook-custom]\npath = webhook.so\nurl = {srv.url('/hook-custom')}\nformat = custom\n"
                   f"template = {custom}\nheader.Authorization = Bearer abc123\nevents = post_stored\n"
                   f"[plugin hook-down]\npath = webhook.so\nurl = {srv.url('/hook-down')}\nevents = post_stored\n")
    r = c.run("check-config")
    t.eq(r.returncode, 0, "six webhook instances pass check-config (CRIER_PLUGIN_MULTI)")

    # -- the pipeline only queues
    r = c.run("fetch")
    t.eq(r.returncode, 0, "fetch exits 0")
    t.eq(srv.log("/hook-json"), [], "nothing is sent from the pipeline itself")
    rows = c.sql("SELECT purpose, count(*) FROM outbox GROUP BY purpose ORDER BY purpose")
    t.eq(rows, [("plugin hook-custom", 2), ("plugin hook-down", 2), ("plugin hook-json", 2),
                ("plugin hook-slack", 2)], "each stored post queued once per interested webhook")

    # -- serve delivers (and publishes the seed post: post_published)
    d = c.serve()
    with stopped_cleanly(t, d, "serve delivering webhooks"):
        t.ok(wait_requests(srv, "/hook-json", 3), "the JSON hook gets two stored posts and one published")
        t.ok(wait_requests(srv, "/hook-slack", 3), "so does Slack")
        t.ok(wait_requests(srv, "/hook-teams", 1), "Teams gets the published post")
        t.ok(wait_requests(srv, "/hook-matrix", 1), "Matrix gets the weeknotes post")
        t.ok(wait_requests(srv, "/hook-custom", 2), "the custom hook gets the stored posts")
        d.wait_for(r'msg="delivery failed; will retry" purpose="plugin hook-down"')

        reqs = [r for r in srv.log("/hook-json") if r.method == "POST"]
        ok_sig = all(r.headers.get("x-crier-signature-256") ==
                     "sha256=" + hmac.new(SECRET.encode(), r.body, hashlib.sha256).hexdigest() for r in reqs)
        t.ok(ok_sig, "every JSON request carries a valid HMAC-SHA256 of its body",
             [r.headers for r in reqs])
        t.eq(sorted(r.headers.get("x-crier-event") for r in reqs),
             ["post_published", "post_stored", "post_stored"], "X-Crier-Event names the event")
        t.eq({r.headers.get("content-type") for r in reqs}, {"application/json"}, "as application/json")
        docs = {b["post"]["guid"]: b for b in bodies(srv, "/hook-json")}
        w1 = docs.get("w1", {})
        t.eq((w1.get("event"), w1.get("change"), w1.get("post", {}).get("title")),
             ("post_stored", "new", "Fish & <chips>"), "the JSON document: event, change, title as is")
        t.eq(w1.get("post", {}).get("feed", {}).get("name"), "Team blog", "with its feed")
        t.eq(w1.get("post", {}).get("url"), "https://team.example/w1", "and its URL")
        pub = docs.get("seed:t/notes.md", {})
        t.eq((pub.get("event"), pub.get("change"), pub.get("post", {}).get("kind")),
             ("post_published", "published", "local"), "a published post, as post_published")
        t.ok(pub.get("post", {}).get("url", "").startswith("http://127.0.0.1:"), "with its permalink")

        slack = [b["text"] for b in bodies(srv, "/hook-slack")]
        t.ok("New post in Team blog: <https://team.example/w1|Fish &amp; &lt;chips&gt;>" in slack,
             "Slack: mrkdwn link, & < > escaped", slack)
        t.ok(all("x-crier-signature-256" not in r.headers for r in srv.log("/hook-slack")),
             "no signature without a secret")
        teams = bodies(srv, "/hook-teams")
        t.eq(len(teams), 1, "Teams: only post_published (events =)")
        t.eq((teams[0].get("@type"), teams[0].get("title")), ("MessageCard", "Weeknotes 7"),
             "Teams: a MessageCard with the title")
        t.eq(teams[0]["potentialAction"][0]["targets"][0]["uri"], pub.get("post", {}).get("url"),
             "and a button to the post")
        matrix = bodies(srv, "/hook-matrix")
        t.eq(len(matrix), 1, "Matrix: only posts tagged weeknotes (tags =)")
        t.ok(matrix[0].get("html", "").startswith("Post published: <a href=\"http"), "Matrix: text and html",
             matrix)
        custom = {r.headers.get("authorization") for r in srv.log("/hook-custom")}
        t.eq(custom, {"Bearer abc123"}, "custom: header.NAME keys are sent")
        msgs = sorted(b["msg"] for b in bodies(srv, "/hook-custom"))
        t.eq(msgs, ["Fish &amp; &lt;chips&gt; at https://team.example/w1",
                    "Second post at https://team.example/w2"], "custom: the template, with |html")
        row = c.sql("SELECT attempts, last_error, next_attempt_at > created_at, done_at FROM outbox "
                    "WHERE purpose = 'plugin hook-down' ORDER BY id LIMIT 1")[0]
        t.eq(row, (1, "HTTP 503 Service Unavailable", 1, 0),
             "a failing endpoint stays queued with its error, to be retried later")

    # -- updates: the JSON hook (updates = false) is not told; Slack is
    srv.clear_log()
    srv.set("/blog.xml", body=rss([ITEMS[0], ("w2", "Second post, corrected", "Another one, better.")]),
            content_type="application/rss+xml")
    c.run("fetch", "--all")
    t.eq(c.sql("SELECT count(*) FROM outbox WHERE purpose = 'plugin hook-json' AND done_at = 0")[0][0], 0,
         "updates = false: an updated post is not sent")
    t.eq(c.sql("SELECT count(*) FROM outbox WHERE purpose = 'plugin hook-slack' AND done_at = 0")[0][0], 1,
         "the default sends updates")
    body = c.sql("SELECT body FROM outbox WHERE purpose = 'plugin hook-slack' AND done_at = 0")[0][0]
    t.contains(bytes(body).decode(), "Updated post in Team blog", "as an updated post")

    # -- bad keys
    c.write_config(keys, "[plugin w]\npath = webhook.so\nurl = ftp://x\n"
                   "[plugin v]\npath = webhook.so\nurl = http://x/\nformat = custom\n"
                   "template = {\"a\": \"{{nope}}\"}\n"
                   "[plugin u]\npath = webhook.so\nurl = http://x/\nformat = custom\ntemplate = {\"a\": {{title}}}\n"
                   "[plugin s]\npath = webhook.so\nurl = http://x/\nsecret = short\n")
    r = c.run("check-config")
    t.eq(r.returncode, 1, "check-config fails on bad webhook keys")
    t.contains(r.stderr, ":10: [plugin w] url: needs url = the webhook's http:// or https:// address",
               "a URL that is not http(s)")
    t.contains(r.stderr, ":15: [plugin v] template: unknown placeholder \"{{nope}}\"", "an unknown placeholder")
    t.contains(r.stderr, ":20: [plugin u] template: is not JSON once filled in", "a template that is not JSON")
    t.contains(r.stderr, ":24: [plugin s] secret: is too short", "a short secret")
    t.contains(r.stderr, "4 plugins refused", "each refused")

t.done()
