"""Size caps count decoded bytes: an oversized body (with or without
Content-Length), an endless chunked body and a gzip bomb are aborted with
a clear error; a gzip body is decoded; oversized headers are refused."""

import gzip
import hashlib

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
MIB = 1024 * 1024
FEED = (b"<rss version='2.0'><channel><title>g</title>"
        + b"<item><title>post</title><description>words words</description></item>" * 2000
        + b"</channel></rss>")

with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)

    srv.set("/gz", body=FEED, gzip=True)
    r = fetch_one(srv.url("/gz"), *allow)
    t.eq((r["status"], r["error"]), (200, None), "gzip body: 200")
    t.eq(r["body_len"], len(FEED), "gzip body decoded to its full length")
    t.eq(r["body_sha256"], hashlib.sha256(FEED).hexdigest(), "gzip body decoded exactly")
    t.ok(len(gzip.compress(FEED)) < len(FEED) // 10, "(the wire form was much smaller)")

    srv.set("/gzcap", body=FEED, gzip=True)
    r = fetch_one(srv.url("/gzcap"), *allow, "--max-bytes", str(len(FEED) - 1))
    t.contains(r["error"], "response body larger than", "decoded size counts, not wire size")

    srv.set("/exact", size=MIB)
    r = fetch_one(srv.url("/exact"), *allow, "--max-bytes", "1M")
    t.eq((r["error"], r["body_len"]), (None, MIB), "a body of exactly the cap is fine")

    srv.set("/big", size=MIB + 1)
    r = fetch_one(srv.url("/big"), *allow, "--max-bytes", "1M")
    t.eq(r["error"], "response body larger than 1 MiB (max_feed_bytes)",
         "Content-Length over the cap: clear error")
    t.eq(r["body_len"], 0, "no partial body is handed over")

    srv.set("/bigchunked", size=3 * MIB, mode="chunked")
    r = fetch_one(srv.url("/bigchunked"), *allow, "--max-bytes", "1M")
    t.eq(r["error"], "response body larger than 1 MiB (max_feed_bytes)",
         "chunked body over the cap: aborted")

    srv.set("/bigclose", size=3 * MIB, mode="close")
    r = fetch_one(srv.url("/bigclose"), *allow, "--max-bytes", "1M")
    t.eq(r["error"], "response body larger than 1 MiB (max_feed_bytes)",
         "close-delimited body over the cap: aborted")

    srv.set("/endless", mode="endless")
    r = fetch_one(srv.url("/endless"), *allow, "--max-bytes", "2M", timeout=20)
    t.eq(r["error"], "response body larger than 2 MiB (max_feed_bytes)",
         "endless chunked body: aborted at the cap")

    srv.set("/bomb", gzip_bomb=64 * MIB)
    r = fetch_one(srv.url("/bomb"), *allow)
    t.eq(r["error"], "response body larger than 16 MiB (max_feed_bytes)",
         "gzip bomb (64 MiB decoded): aborted at the default 16 MiB cap")

    srv.set("/hdr", body=b"x", headers={f"X-Pad-{i}": "p" * 1000 for i in range(80)})
    r = fetch_one(srv.url("/hdr"), *allow)
    t.eq(r["error"], "response headers larger than 64 KiB", "80 KB of headers: refused")

    srv.set("/redirbody", status=302, location=srv.url("/exact"), size=3 * MIB)
    r = fetch_one(srv.url("/redirbody"), *allow, "--max-bytes", "2M")
    t.contains(r["error"], "response body larger than 2 MiB",
               "a redirect's body counts against the cap too")

t.done()
