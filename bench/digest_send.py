#!/usr/bin/python3
"""bench/digest_send.py: render and send a 30-post digest to 1,000
recipients through a local SMTP server, against a peer in the same run.

    bench/digest_send.sh            (builds build/bench/crier, then runs this)
    CRIER=... /usr/bin/python3 bench/digest_send.py [--recipients N] [--posts N] [--rounds N]

The SMTP server is aiosmtpd's Sink handler (python3-aiosmtpd) in its own
process on 127.0.0.1, accepting and discarding.  crier: `crier digest
send --force` (render each recipient's message, write it, send it over one
reused SMTP connection, record each outcome in SQLite).  Peer: Python's
smtplib sending the same number of messages of the same size over one
connection to the same server (no rendering, no records): roughly what
the server itself can take.  Prints the wall time of each and the ratio.
"""

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from fixture_server import FixtureServer  # noqa: E402

CRIER = os.environ.get("CRIER", os.path.join(TOP, "build", "bench", "crier"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def feed(posts):
    items = []
    for i in range(posts):
        items.append(f"""<item><title>Weeknotes {i}: a week of forms and queues</title>
<link>https://sector.example/post/{i}</link><guid>https://sector.example/post/{i}</guid>
<pubDate>Thu, 15 Oct 2026 {10 + i // 60:02d}:{i % 60:02d}:00 +0000</pubDate><category>weeknotes</category>
<description><![CDATA[<p>{'We rebuilt the permit form and tested it with residents. ' * 12}</p>]]></description>
</item>""")
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Bench</title>"
            "<link>https://sector.example/</link><description>x</description>" + "".join(items) +
            "</channel></rss>").encode()


def crier(cfg, *args, check=True):
    r = subprocess.run([CRIER, "-c", cfg, *args], capture_output=True, text=True, env=dict(os.environ,
                       CRIER_LOG_LEVEL="warn"))
    if check and r.returncode != 0:
        sys.exit(f"crier {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipients", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="crier-bench-digest-", dir=os.environ.get("BENCH_DIR"))
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                             "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv = FixtureServer()
    srv.__enter__()
    try:
        srv.set("/feed.xml", body=feed(a.posts), content_type="application/rss+xml")
        with open(os.path.join(work, "list.txt"), "w") as f:
            f.writelines(f"reader{i}@example.net\n" for i in range(a.recipients))
        cfg = os.path.join(work, "crier.conf")
        with open(cfg, "w") as f:
            f.write(f"""[crier]
data_dir = {work}/data
themes_dir = {TOP}/themes
allow_private_hosts = 127.0.0.1:{srv.port}
smtp_url = smtp://127.0.0.1:{port}
smtp_starttls = false
mail_from = Bench digest <digest@example.org>

[feed {srv.url('/feed.xml')}]

[digest bench]
to_file = list.txt
""")
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        crier(cfg, "fetch")
        crier(cfg, "digest", "new", "Bench digest", "--week", "2026-W42", "--section", "bench",
              "--intro", "The best of the week, *picked by hand*.")
        for pid in range(1, a.posts + 1):
            crier(cfg, "digest", "add", "1", str(pid), "--note", f"Post {pid}: worth **reading** for its forms.")
        crier(cfg, "digest", "publish", "1")
        sample = crier(cfg, "digest", "show", "1", "--email", "--to", "reader0@example.net").stdout
        sample = sample.replace("\n", "\r\n").encode()
        first = True
        for rnd in range(a.rounds):
            t0 = time.monotonic()
            r = crier(cfg, "digest", "send", "1", *([] if first else ["--force"]), check=False)
            t_crier = time.monotonic() - t0
            first = False
            if r.returncode != 0 or f"{a.recipients} of {a.recipients} recipients" not in r.stdout:
                sys.exit(f"crier digest send did not reach everyone:\n{r.stdout}\n{r.stderr}")
            t0 = time.monotonic()
            with smtplib.SMTP("127.0.0.1", port) as s:
                for i in range(a.recipients):
                    s.sendmail("digest@example.org", [f"reader{i}@example.net"], sample)
            t_peer = time.monotonic() - t0
            print(f"round {rnd + 1}: {a.posts}-post digest ({len(sample)} bytes a message) to "
                  f"{a.recipients} recipients: crier {t_crier:.2f} s ({a.recipients / t_crier:.0f} msg/s), "
                  f"smtplib peer {t_peer:.2f} s ({a.recipients / t_peer:.0f} msg/s), "
                  f"ratio crier/peer {t_crier / t_peer:.2f}", flush=True)
    finally:
        srv.__exit__(None, None, None)
        sink.terminate()
        sink.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
