"""Conditional GET: crier sends the validators it is given, a 304 comes
back as status 304 with no body and no error, the response's validators
come back, and a server that ignores validators still gets a 200.  Also
checks the User-Agent, Accept and Accept-Encoding crier sends."""

import hashlib

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
BODY = b"<rss version='2.0'><channel><title>c</title></channel></rss>"
LM = "Mon, 23 Nov 2026 10:00:00 GMT"

with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)
    srv.set("/feed.xml", body=BODY, etag='"v1"', last_modified=LM,
            content_type="application/rss+xml; charset=utf-8")

    r = fetch_one(srv.url("/feed.xml"), *allow)
    t.eq(r["status"], 200, "first fetch: 200")
    t.eq(r["error"], None, "first fetch: no error")
    t.eq(r["etag"], '"v1"', "result carries the response ETag")
    t.eq(r["last_modified"], LM, "result carries the response Last-Modified")
    t.eq(r["content_type"], "application/rss+xml; charset=utf-8", "content type")
    t.eq(r["body_sha256"], hashlib.sha256(BODY).hexdigest(), "body intact")
    req = srv.last("/feed.xml")
    t.eq(req.headers.get("if-none-match"), None, "no If-None-Match without an ETag")
    t.ok(req.headers.get("user-agent", "").startswith("crier/"), "User-Agent crier/VERSION")
    t.contains(req.headers.get("user-agent"), "(+https://github.com/crier-dev/crier)",
               "User-Agent names the project URL")
    enc = req.headers.get("accept-encoding", "")
    t.ok("gzip" in enc and "deflate" in enc, "Accept-Encoding offers gzip and deflate",
         f"got {enc!r}")
    t.contains(req.headers.get("accept"), "application/atom+xml", "Accept names feed types")

    r = fetch_one(srv.url("/feed.xml"), *allow, "--etag", '"v1"', "--last-modified", LM)
    req = srv.last("/feed.xml")
    t.eq(req.headers.get("if-none-match"), '"v1"', "If-None-Match sent")
    t.eq(req.headers.get("if-modified-since"), LM, "If-Modified-Since sent")
    t.eq(r["status"], 304, "matching validators: status 304")
    t.eq(r["error"], None, "304 is not an error")
    t.eq(r["body_len"], 0, "304 has no body")
    t.eq(r["etag"], '"v1"', "304 still reports the ETag")

    r = fetch_one(srv.url("/feed.xml"), *allow, "--last-modified", LM)
    t.eq(r["status"], 304, "If-Modified-Since alone: 304")

    r = fetch_one(srv.url("/feed.xml"), *allow, "--last-modified",
                  "Sun, 01 Nov 2026 10:00:00 GMT")
    t.eq(r["status"], 200, "older If-Modified-Since: 200")

    srv.update("/feed.xml", etag='"v2"')
    r = fetch_one(srv.url("/feed.xml"), *allow, "--etag", '"v1"')
    t.eq(r["status"], 200, "changed ETag: 200")
    t.eq(r["etag"], '"v2"', "the new ETag comes back")
    t.eq(r["body_len"], len(BODY), "changed feed: full body")

    srv.update("/feed.xml", honour_validators=False)
    r = fetch_one(srv.url("/feed.xml"), *allow, "--etag", '"v2"', "--last-modified", LM)
    t.eq(r["status"], 200, "server ignoring validators: 200 with the body")
    t.eq(r["body_sha256"], hashlib.sha256(BODY).hexdigest(), "and the same body (caller hashes)")

    # a stored validator with a line break must not add header lines
    r = fetch_one(srv.url("/feed.xml"), *allow, "--etag", '"v2"\r\nX-Injected: 1')
    req = srv.last("/feed.xml")
    t.eq(req.headers.get("x-injected"), None, "CR/LF in a validator is not sent")

t.done()
