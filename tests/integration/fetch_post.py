"""POST requests (WebSub pings, webhooks) go through the same fetcher:
body, Content-Type and extra headers are sent, the status comes back,
and the same address rules apply."""

import tempfile

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()

with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)
    srv.set("/hub", status=202, body=b"")
    body = "hub.mode=publish&hub.url=https%3A%2F%2Fexample.org%2Ffeed"
    r = fetch_one(srv.url("/hub"), *allow, "--post", body,
                  "--content-type", "application/x-www-form-urlencoded",
                  "--header", "X-Hub-Signature: sha256=abc")
    req = srv.last("/hub")
    t.eq((r["status"], r["error"]), (202, None), "POST answered 202")
    t.eq(req.method, "POST", "sent as POST")
    t.eq(req.body, body.encode(), "body sent intact")
    t.eq(req.headers.get("content-type"), "application/x-www-form-urlencoded", "Content-Type sent")
    t.eq(req.headers.get("x-hub-signature"), "sha256=abc", "extra header sent")
    t.eq(req.headers.get("expect"), None, "no Expect: 100-continue")
    t.eq(req.headers.get("if-none-match"), None, "no validators on a POST")

    big = bytes(range(256)) * (8 * 1024)
    srv.set("/hook", status=200, body=b"thanks")
    with tempfile.NamedTemporaryFile() as f:
        f.write(big)
        f.flush()
        r = fetch_one(srv.url("/hook"), *allow, "--post-file", f.name,
                      "--content-type", "application/octet-stream")
    t.eq((r["status"], r["body_len"]), (200, 6), "2 MiB binary POST body: answered")
    t.eq(srv.last("/hook").body, big, "2 MiB binary POST body arrived intact")

    r = fetch_one(srv.url("/hook"), *allow, "--post", "", "--content-type", "text/plain")
    t.eq((r["status"], srv.last("/hook").body), (200, b""), "empty POST body")

    srv.set("/down", status=500)
    r = fetch_one(srv.url("/down"), *allow, "--post", "x")
    t.eq((r["status"], r["error"]), (500, None), "a 500 to a POST is a status, not an error")

t.done()
