"""Concurrency limits: at most per_host transfers per host and at most
concurrency in all, observed by the servers; connections are reused
(keep-alive) across transfers to the same host."""

from fetchtool import fetch
from fixture_server import FixtureServer, max_overlap
from tap import TAP

t = TAP()

with FixtureServer() as a, FixtureServer() as b, FixtureServer() as c:
    servers = (a, b, c)
    allow = []
    for s in servers:
        s.set("/slow", body=b"<rss/>", delay=0.25)
        s.set("/fast", body=b"<rss/>")
        allow += ["--allow-host", s.hostport]

    urls = [a.url(f"/slow?{i}") for i in range(6)]
    rs, _ = fetch(urls, *allow)
    t.eq([r["error"] for r in rs], [None] * 6, "6 slow requests to one host: all fetched")
    t.eq(a.max_in_flight("/slow"), 2, "default per_host: 2 at once")

    a.clear_log()
    rs, _ = fetch(urls, *allow, "--per-host", "3")
    t.eq(a.max_in_flight("/slow"), 3, "per_host 3: 3 at once")

    a.clear_log()
    rs, _ = fetch(urls, *allow, "--per-host", "1")
    t.eq(a.max_in_flight("/slow"), 1, "per_host 1: one at a time")

    for s in servers:
        s.clear_log()
    urls = [s.url(f"/slow?{i}") for i in range(4) for s in servers]
    rs, _ = fetch(urls, *allow, "--concurrency", "4", "--per-host", "2")
    t.eq(sum(r["error"] is None for r in rs), 12, "12 slow requests to 3 hosts: all fetched")
    t.eq(max_overlap([r for s in servers for r in s.log()]), 4,
         "concurrency 4: 4 at once over all hosts")
    t.ok(all(s.max_in_flight() <= 2 for s in servers), "and never more than 2 per host",
         [s.max_in_flight() for s in servers])

    for s in servers:
        s.clear_log()
    rs, _ = fetch(urls, *allow, "--concurrency", "16", "--per-host", "2")
    t.eq(max_overlap([r for s in servers for r in s.log()]), 6,
         "concurrency 16, 3 hosts x 2: 6 at once")

    a.clear_log()
    urls = [a.url(f"/fast?{i}") for i in range(20)]
    rs, _ = fetch(urls, *allow, "--per-host", "1")
    t.eq(sum(r["status"] == 200 for r in rs), 20, "20 quick requests fetched")
    t.eq(len({r.conn_id for r in a.log()}), 1, "one connection reused for all 20 (keep-alive)")

    a.clear_log()
    rs, _ = fetch(urls, *allow, "--per-host", "2")
    t.ok(len({r.conn_id for r in a.log()}) <= 2, "per_host 2: at most 2 connections",
         len({r.conn_id for r in a.log()}))

    # shutting down mid-poll: running and queued transfers are freed
    # (under ASan a leak or a use-after-free fails the run)
    urls = [a.url(f"/slow?{i}") for i in range(6)]
    rs, err = fetch(urls, *allow, "--abandon-after-ms", "100")
    t.eq((rs, err.strip()), ([], '{"abandoned":6}'),
         "fetch_free with 2 running and 4 queued: clean exit")

t.done()
