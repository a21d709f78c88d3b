"""Private addresses are refused at connect time by default (the fixture
server on 127.0.0.1 itself), and allowed with allow_private_addresses or
an allow_private_hosts entry for the host or host:port."""

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
REFUSED = ("refused to connect to 127.0.0.1: private or loopback address "
           "(set allow_private_addresses or allow_private_hosts)")

with FixtureServer() as srv:
    srv.set("/feed.xml", body=b"<rss/>")
    url = srv.url("/feed.xml")

    r = fetch_one(url)
    t.eq(r["error"], REFUSED, "127.0.0.1 refused by default, with a clear error")
    t.eq(r["status"], 0, "no status")
    t.eq(len(srv.log()), 0, "the server saw no request")

    r = fetch_one(srv.url("/feed.xml", host="localhost"))
    t.contains(r["error"], "private or loopback address", "localhost by name: refused")

    r = fetch_one(url.replace("127.0.0.1", "127.1.2.3"))
    t.contains(r["error"], "refused to connect to 127.1.2.3", "all of 127/8 refused")

    r = fetch_one(url.replace("127.0.0.1", "[::ffff:127.0.0.1]"))
    t.contains(r["error"], "private or loopback address", "IPv4-mapped IPv6 loopback refused")

    r = fetch_one(url.replace("127.0.0.1", "0.0.0.0"))
    t.contains(r["error"], "refused to connect to 0.0.0.0", "0.0.0.0 refused")

    r = fetch_one(url, "--allow-private")
    t.eq((r["status"], r["error"]), (200, None), "--allow-private: fetched")

    r = fetch_one(url, "--allow-host", srv.hostport)
    t.eq((r["status"], r["error"]), (200, None), "allow_private_hosts 127.0.0.1:PORT: fetched")

    r = fetch_one(url, "--allow-host", "127.0.0.1")
    t.eq((r["status"], r["error"]), (200, None), "allow_private_hosts 127.0.0.1 (any port)")

    r = fetch_one(url, "--allow-host", f"127.0.0.1:{srv.port + 1}")
    t.eq(r["error"], REFUSED, "another port listed: still refused")

    r = fetch_one(url, "--allow-host", "localhost")
    t.eq(r["error"], REFUSED, "another host name listed: still refused")

    r = fetch_one(srv.url("/feed.xml", host="LocalHost"), "--allow-host", f"localhost:{srv.port}")
    t.eq((r["status"], r["error"]), (200, None), "host names match case-insensitively")

    n = len(srv.log())
    r = fetch_one(url, "--post", "x=1")
    t.eq(r["error"], REFUSED, "POST to a private address: refused too")
    t.eq(len(srv.log()), n, "and never sent")

t.done()
