#!/usr/bin/python3
"""Micropub publishing throughput, with the river read throughout.

    python3 bench/micropub.py CRIER [--posts 1000] [--connections 4] [--hub] [--keep]

Starts `crier serve` (the binary CRIER, ideally an -O2 build without
sanitizers: bench/micropub.sh makes one) on a fresh data_dir, makes a
team and a token with the CLI, then:

  1. reads the river (GET /) for 2 s with nothing else going on: the peer
     figure (latency idle);
  2. creates --posts posts through /micropub, form-encoded, on
     --connections keep-alive connections (default 4; each waits for its
     answer before sending the next), while another connection reads the
     river in a loop;
  3. prints posts/s, the create latency percentiles, and the river's
     latency during publishing against idle (ratios).

--hub adds a websub_hub (an unreachable 127.0.0.1 port: the pings queue
in the outbox, which is the part of the pipeline --hub measures).
A developer's tool, never part of make check.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def river_loop(port, rate, stop, queue):
    """Reads the river on one keep-alive connection until stop, `rate` GETs a
    second (0: back to back); puts [(seconds, status)]."""
    out = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    while not stop.is_set():
        if rate > 0:
            due = start + len(out) / rate
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
        t0 = time.perf_counter()
        try:
            conn.request("GET", "/")
            r = conn.getresponse()
            r.read()
            out.append((time.perf_counter() - t0, r.status))
        except (http.client.HTTPException, OSError) as e:
            # a dropped connection counts as a failure (status 0); reconnect
            out.append((time.perf_counter() - t0, 0))
            print(f"river GET failed: {e!r}", file=sys.stderr)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    queue.put(out)


def run_river(port, rate, seconds_or_work):
    """The river's [(seconds, status)] while seconds_or_work runs (a number: sleep)."""
    stop, queue = multiprocessing.Event(), multiprocessing.Queue()
    reader = multiprocessing.Process(target=river_loop, args=(port, rate, stop, queue))
    reader.start()
    if callable(seconds_or_work):
        value = seconds_or_work()
    else:
        time.sleep(seconds_or_work)
        value = None
    stop.set()
    out = queue.get(timeout=60)
    reader.join()
    return out, value


def read_response(sock, pending):
    """Reads one HTTP/1.1 response with a Content-Length from sock; returns
    (status, leftover bytes)."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    status = int(head[9:12])
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        rest += chunk
    return status, rest[length:]


def publish(port, headers, numbers, queue):
    """Creates posts numbered `numbers` on one keep-alive connection; puts
    [(seconds, status)].  Requests are built before the clock starts and
    sent on a raw socket, so the client spends little CPU of its own."""
    requests = []
    for i in numbers:
        body = urllib.parse.urlencode([("h", "entry"), ("name", f"Bench post {i}"),
                                       ("content", f"Post **{i}** of the benchmark, with a little "
                                                   "Markdown and a [link](https://example.org/)."),
                                       ("category[]", "bench"), ("category[]", f"c{i % 10}")]).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        requests.append(f"POST /micropub HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
                        f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    results, pending = [], b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for req in requests:
            s = time.perf_counter()
            sock.sendall(req)
            status, pending = read_response(sock, pending)
            results.append((time.perf_counter() - s, status))
    queue.put(results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("crier")
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=4,
                    help="keep-alive connections publishing in parallel (default 4)")
    ap.add_argument("--river-rate", type=float, default=50,
                    help="river GETs per second while publishing (default 50; 0: back to back)")
    ap.add_argument("--no-river", action="store_true", help="publish without reading the river")
    ap.add_argument("--hub", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="crier-bench-")
    port = free_port()
    conf = os.path.join(tmp, "crier.conf")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(conf, "w") as f:
        f.write(f"[crier]\ndata_dir = {tmp}/data\nlisten = 127.0.0.1:{port}\n"
                f"themes_dir = {src}/themes\n")
        if args.hub:
            f.write(f"websub_hub = http://127.0.0.1:{free_port()}/hub\n")
    run = lambda *a: subprocess.run([args.crier, "-c", conf, *a], capture_output=True, text=True, check=True)
    run("team", "add", "bench", "--name", "Bench team")
    token = run("token", "new", "--team", "bench", "--scope", "create").stdout.strip()
    log = open(os.path.join(tmp, "serve.log"), "wb")
    proc = subprocess.Popen([args.crier, "-c", conf, "serve"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if re.search(r'msg="crier started"', open(log.name).read()):
                break
            time.sleep(0.05)
        # 1. the river, idle (after one warm-up post so it is not empty)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}",
                   "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/micropub", "h=entry&content=warm-up", headers)
        conn.getresponse().read()
        conn.close()
        idle, _ = run_river(port, args.river_rate, 2)

        # 2. publishing, with the river read throughout (every client its own process)
        def publishing():
            queue = multiprocessing.Queue()
            workers = [multiprocessing.Process(target=publish, args=(
                port, headers, range(k, args.posts, args.connections), queue))
                for k in range(args.connections)]
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            for w in workers:
                w.start()
            got = [x for w in workers for x in queue.get()]
            elapsed = time.perf_counter() - t0
            cpu = cpu_seconds(proc.pid) - cpu0
            for w in workers:
                w.join()
            return got, elapsed, cpu
        if args.no_river:
            busy, (results, elapsed, cpu) = [], publishing()
        else:
            busy, (results, elapsed, cpu) = run_river(port, args.river_rate, publishing)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()

    lat = [x for x, _ in results]
    statuses = {}
    for _, s in results:
        statuses[s] = statuses.get(s, 0) + 1
    ok_idle = [x for x, s in idle if s == 200]
    ok_busy = [x for x, s in busy if s == 200]
    others = {}
    for _, s in busy:
        if s != 200:
            others[s] = others.get(s, 0) + 1
    ms = lambda v: f"{v * 1000:.1f} ms"
    print(f"crier Micropub bench: {args.posts} posts, form-encoded, {args.connections} keep-alive "
          f"connection{'s' if args.connections > 1 else ''}; river read "
          f"{'back to back' if args.river_rate <= 0 else f'{args.river_rate:g}/s'}"
          f"{', websub_hub set' if args.hub else ''}")
    print(f"  statuses: {statuses}")
    print(f"  publishing: {args.posts / elapsed:.0f} posts/s ({elapsed:.2f} s); create latency "
          f"p50 {ms(pct(lat, 50))}, p95 {ms(pct(lat, 95))}, max {ms(max(lat))}")
    print(f"  daemon CPU while publishing: {cpu:.2f} s ({cpu * 1000 / args.posts:.2f} ms per post, the "
          f"river's renders included); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  river idle:       {len(ok_idle)} GETs, p50 {ms(pct(ok_idle, 50))}, p95 {ms(pct(ok_idle, 95))}, "
          f"max {ms(max(ok_idle))}")
    if busy:
        print(f"  river publishing: {len(ok_busy)} GETs (not 200: {others or 'none'}), "
              f"p50 {ms(pct(ok_busy, 50))}, p95 {ms(pct(ok_busy, 95))}, max {ms(max(ok_busy))}")
        print(f"  ratio busy/idle: p50 x{pct(ok_busy, 50) / pct(ok_idle, 50):.1f}, "
              f"p95 x{pct(ok_busy, 95) / pct(ok_idle, 95):.1f}")
    db = sqlite3.connect(f"file:{tmp}/data/crier.db?mode=ro", uri=True)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    errors = [line for line in open(log.name, errors="replace") if "level=error" in line]
    print(f"  database integrity_check: {integrity}; errors in the daemon's log: {len(errors)}")
    for line in errors[:5]:
        print("    " + line.rstrip())
    if args.keep:
        print(f"  kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if (statuses.get(201) == args.posts and len(busy) == len(ok_busy) and integrity == "ok"
                  and not errors) else 1


if __name__ == "__main__":
    sys.exit(main())
