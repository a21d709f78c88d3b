"""HTTP error statuses are not transfer errors: status is set and error
stays NULL; Retry-After (seconds or HTTP date) is parsed on 429 and 503."""

import email.utils
import time

from fetchtool import fetch
from fixture_server import FixtureServer
from tap import TAP

t = TAP()

with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)
    srv.set("/gone", status=410, body=b"gone")
    srv.set("/missing", status=404, body=b"not here")
    srv.set("/broken", status=500, body=b"oops")
    srv.set("/busy", status=429, retry_after=120, body=b"slow down")
    when = email.utils.formatdate(time.time() + 600, usegmt=True)
    srv.set("/maint", status=503, retry_after=when)
    srv.set("/unavail", status=503)
    srv.set("/teapot", status=418, retry_after=60)
    srv.set("/ok", status=200, body=b"<rss/>", retry_after=60)
    paths = ["/gone", "/missing", "/broken", "/busy", "/maint", "/unavail", "/teapot", "/ok"]
    rs, _ = fetch([srv.url(p) for p in paths], *allow)
    by = dict(zip(paths, rs))

    for p, st in (("/gone", 410), ("/missing", 404), ("/broken", 500), ("/busy", 429),
                  ("/maint", 503), ("/teapot", 418), ("/ok", 200)):
        t.eq((by[p]["status"], by[p]["error"]), (st, None), f"{p}: status {st}, no error")
    t.eq(by["/gone"]["body_len"], 4, "an error status keeps its body")
    t.eq(by["/busy"]["retry_after"], 120, "429 Retry-After: 120 seconds")
    ra = by["/maint"]["retry_after"]
    t.ok(590 <= ra <= 601, "503 Retry-After HTTP date: about 600 s", f"got {ra}")
    t.eq(by["/unavail"]["retry_after"], 0, "503 without Retry-After: 0")
    t.eq(by["/teapot"]["retry_after"], 0, "Retry-After ignored on other statuses")
    t.eq(by["/ok"]["retry_after"], 0, "Retry-After ignored on 200")

t.done()
