"""Proxies: none from the environment (http_proxy/HTTPS_PROXY/ALL_PROXY
are ignored), the configured one when given.  The fixture server plays
the forward proxy: it sees the absolute URL as the request path."""

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
TARGET = "http://feeds.example.invalid/feed.xml"

with FixtureServer() as proxy:
    proxy.set(TARGET, body=b"<rss>via proxy</rss>", etag='"p"')
    purl = proxy.base

    r = fetch_one(TARGET, "--proxy", purl)
    t.eq((r["status"], r["error"], r["etag"]), (200, None, '"p"'),
         "configured proxy: the feed comes through it")
    req = proxy.last(TARGET)
    t.ok(req is not None, "the proxy saw an absolute-form request")
    t.eq(req.headers.get("host") if req else None, "feeds.example.invalid", "Host is the feed's")

    n = len(proxy.log())
    env = {"http_proxy": purl, "HTTP_PROXY": purl, "https_proxy": purl,
           "HTTPS_PROXY": purl, "ALL_PROXY": purl, "all_proxy": purl, "no_proxy": ""}
    r = fetch_one(TARGET, "--connect-timeout-ms", "2000", env=env)
    t.ok(r["error"] is not None and "feeds.example.invalid" in r["error"],
         "proxy variables in the environment are ignored", f"got {r['error']!r}")
    t.eq(len(proxy.log()), n, "the proxy saw nothing")

    r = fetch_one(TARGET, "--proxy", "", "--connect-timeout-ms", "2000", env=env)
    t.eq(len(proxy.log()), n, "--proxy '': no proxy either")

t.done()
