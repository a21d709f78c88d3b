"""Timeouts and connection failures give clear errors: a slow body hits
the total timeout, a trickle hits the low-speed limit, an unanswered
connect hits the connect timeout, a closed port is 'connection refused',
an unknown host is a DNS failure; the timer starts when a transfer
starts, not when it was queued."""

import socket
import time

from fetchtool import fetch, fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()


def accept_queue_length(port, wait=2.0):
    """Connections waiting in the accept queue of the listener on
    127.0.0.1:port (rx_queue of a LISTEN socket in /proc/net/tcp), once
    it is at least 1 or wait seconds have passed."""
    want = "0100007F:%04X" % port
    deadline = time.monotonic() + wait
    while True:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[1] == want and fields[3] == "0A":
                    n = int(fields[4].split(":")[1], 16)
                    if n >= 1 or time.monotonic() > deadline:
                        return n
        if time.monotonic() > deadline:
            return 0
        time.sleep(0.02)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)

    srv.set("/slow", size=200, mode="trickle", trickle_bytes=10, trickle_interval=0.1)
    r = fetch_one(srv.url("/slow"), *allow, "--timeout-ms", "800")
    t.eq(r["error"], "timed out after 0.8 s (total timeout)", "slow body: total timeout")
    t.ok(700 <= r["elapsed_ms"] < 3000, "stopped near the timeout", f"elapsed {r['elapsed_ms']} ms")
    t.eq(r["body_len"], 0, "no partial body")

    srv.set("/trickle", size=400, mode="trickle", trickle_bytes=1, trickle_interval=0.2)
    r = fetch_one(srv.url("/trickle"), *allow, "--low-speed", "100:1")
    t.eq(r["error"], "transfer too slow: under 100 bytes/s for 1 s", "low-speed abort")

    srv.set("/hang", body=b"late", delay=3)
    r = fetch_one(srv.url("/hang"), *allow, "--timeout-ms", "500")
    t.contains(r["error"], "timed out after 0.5 s", "no response at all: total timeout")

    # 4 requests that take 0.3 s each, one at a time, with a 0.8 s timeout:
    # all succeed, because queued requests' clocks have not started (if
    # they had, the last two would time out at 0.9 and 1.2 s).
    srv.set("/steady", body=b"ok", delay=0.3)
    urls = [srv.url(f"/steady?{i}") for i in range(4)]
    rs, _ = fetch(urls, *allow, "--per-host", "1", "--timeout-ms", "800")
    t.eq([r["error"] for r in rs], [None] * 4, "queued requests do not time out while waiting")

    port = closed_port()
    r = fetch_one(f"http://127.0.0.1:{port}/", "--allow-private")
    t.eq(r["error"], "could not connect to 127.0.0.1: connection refused",
         "closed port: connection refused")
    t.eq(r["status"], 0, "no status without a response")

    # A listener whose accept queue is full drops new SYNs: connect timeout.
    # (Before it is full, a SYN may get a SYN cookie and "connect".)
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    filler = socket.create_connection(full.getsockname(), timeout=5)
    queued = accept_queue_length(full.getsockname()[1])
    if queued >= 1:
        r = fetch_one(f"http://127.0.0.1:{full.getsockname()[1]}/", "--allow-private",
                      "--connect-timeout-ms", "600", "--timeout-ms", "5000")
        t.eq(r["error"], "connection to 127.0.0.1 timed out after 0.6 s", "connect timeout")
    else:
        t.skip("connect timeout", "could not fill a listener's accept queue")
    filler.close()
    full.close()

    # .invalid never resolves; without a reachable DNS server the lookup
    # times out instead, which the connect timeout bounds
    r = fetch_one("http://no-such-host.invalid/feed.xml", "--connect-timeout-ms", "2000")
    t.ok(r["error"] in ("could not resolve host no-such-host.invalid (DNS lookup failed)",
                        "DNS lookup of no-such-host.invalid timed out after 2 s"),
         "unknown host: DNS failure", f"got {r['error']!r}")

    # TLS to a plain-HTTP port: a TLS error, not a crash or a hang
    r = fetch_one(srv.url("/steady").replace("http:", "https:"), *allow, "--timeout-ms", "3000")
    t.ok(r["error"] is not None and r["error"].startswith("TLS error with 127.0.0.1"),
         "TLS to a plain port: TLS error", f"got {r['error']!r}")

t.done()
