"""The fixture server itself (tests/lib/fixture_server.py), checked with
Python's own HTTP client so the fetch tests can trust it: static files
with validators, routes, redirects helpers, gzip, the request log,
in-flight counts, the HTTP control API and the standalone script."""

import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from fixture_server import FixtureServer, Request, max_overlap
from tap import TAP

t = TAP()
FEEDS = os.path.join(os.environ.get("CRIER_SRCDIR", "."), "tests", "fixtures", "feeds")


def get(srv, path, method="GET", headers=None, body=None, port=None):
    c = http.client.HTTPConnection("127.0.0.1", port or srv.port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


with FixtureServer(root=FEEDS) as srv:
    st, h, body = get(srv, "/rss.xml")
    t.eq(st, 200, "static file served")
    t.ok(body.startswith(b"<?xml") and b"<rss" in body, "static body is the fixture feed")
    t.ok(h.get("etag", "").startswith('"'), "static ETag")
    t.ok("last-modified" in h, "static Last-Modified")
    st, _, body = get(srv, "/rss.xml", headers={"If-None-Match": h["etag"]})
    t.eq((st, body), (304, b""), "matching If-None-Match: 304, no body")
    st, _, _ = get(srv, "/rss.xml", headers={"If-Modified-Since": h["last-modified"]})
    t.eq(st, 304, "If-Modified-Since equal to Last-Modified: 304")
    st, _, _ = get(srv, "/rss.xml", headers={"If-None-Match": '"other"',
                                             "If-Modified-Since": h["last-modified"]})
    t.eq(st, 200, "If-None-Match wins over If-Modified-Since")
    t.eq(get(srv, "/nope.xml")[0], 404, "missing file: 404")
    t.eq(get(srv, "/../../etc/passwd")[0], 404, "no escape from the root")

    srv.set("/r", body="héllo", etag='W/"1"', status=200)
    t.eq(get(srv, "/r", headers={"If-None-Match": '"1"'})[0], 304, "weak ETag comparison")
    srv.update("/r", honour_validators=False)
    t.eq(get(srv, "/r", headers={"If-None-Match": '"1"'})[0], 200, "honour_validators=False: 200")
    t.eq(get(srv, "/r")[2], "héllo".encode(), "str bodies are sent as UTF-8")

    srv.set("/g", body=b"abc" * 1000, gzip=True)
    st, h, body = get(srv, "/g")
    t.eq((h.get("content-encoding"), gzip.decompress(body)), ("gzip", b"abc" * 1000), "gzip body")
    srv.set("/bomb", gzip_bomb=8 << 20)
    st, h, body = get(srv, "/bomb")
    t.ok(len(body) < 64 * 1024 and len(gzip.decompress(body)) == 8 << 20,
         "gzip bomb: small on the wire, 8 MiB decoded", len(body))

    first = srv.chain("/c", [301, 302], "/rss.xml")
    st, h, _ = get(srv, first)
    t.eq((st, h.get("location")), (301, srv.url("/c/1")), "chain: first hop")
    st, h, _ = get(srv, "/c/1")
    t.eq((st, h.get("location")), (302, srv.url("/rss.xml")), "chain: last hop to final")
    srv.redirect("/ftp", "ftp://example.org/")
    t.eq(get(srv, "/ftp")[1].get("location"), "ftp://example.org/", "absolute targets kept")

    srv.set("/busy", status=429, retry_after=7)
    t.eq(get(srv, "/busy")[1].get("retry-after"), "7", "Retry-After sent")
    srv.set("/chunk", size=40000, mode="chunked")
    st, h, body = get(srv, "/chunk")
    t.eq((h.get("transfer-encoding"), len(body)), ("chunked", 40000), "chunked mode")

    srv.clear_log()
    get(srv, "/r?x=1", method="POST", headers={"X-Test": "yes"}, body=b"payload")
    req = srv.last("/r")
    t.eq((req.method, req.path, req.body, req.headers.get("x-test")),
         ("POST", "/r?x=1", b"payload", "yes"), "request log: method, path, body, headers")

    srv.set("/slow", body=b"s", delay=0.3)
    threads = [threading.Thread(target=get, args=(srv, "/slow")) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t.eq(srv.max_in_flight("/slow"), 3, "max_in_flight counts overlapping requests")
    t.eq(max_overlap([Request("GET", "/", {}, b"", 1, "", 0, 1), Request("GET", "/", {}, b"", 1, "", 1, 2)]),
         1, "max_overlap: touching intervals do not overlap")

    st, _, body = get(srv, "/_fixture/set", method="POST",
                      body=json.dumps({"path": "/ctl", "status": 503, "body": "x"}))
    t.eq(st, 200, "control: set")
    t.eq(get(srv, "/ctl")[0], 503, "control: the route took effect")
    st, _, body = get(srv, "/_fixture/log")
    t.ok(st == 200 and any(r["path"] == "/ctl" for r in json.loads(body)), "control: log")
    t.eq(get(srv, "/_fixture/set", method="POST", body=b'{"path": "/z", "mode": "bogus"}')[0],
         400, "control: a bad route is a 400")
    get(srv, "/_fixture/reset", method="POST")
    t.eq((srv.route("/ctl"), srv.log()), (None, []), "control: reset")

with tempfile.TemporaryDirectory() as tmp:
    port_file = os.path.join(tmp, "port")
    routes = os.path.join(tmp, "routes.json")
    with open(routes, "w") as f:
        json.dump({"/gone": {"status": 410}}, f)
    script = os.path.join(os.path.dirname(os.path.abspath(sys.modules["fixture_server"].__file__)),
                          "fixture_server.py")
    p = subprocess.Popen([sys.executable, script, "--root", FEEDS, "--port-file", port_file,
                          "--routes", routes])
    try:
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        port = int(open(port_file).read())
        t.eq(get(None, "/gone", port=port)[0], 410, "script: routes file")
        t.eq(get(None, "/feed.json", port=port)[0], 200, "script: static root")
    finally:
        p.send_signal(signal.SIGTERM)
        t.eq(p.wait(10), 0, "script: exits 0 on SIGTERM")

t.done()
