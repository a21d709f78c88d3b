"""A recording WebSub hub on 127.0.0.1 for tests (Python 3 stdlib only).

    from websub_hub import RecordingHub
    with RecordingHub(fail_first=True) as hub:
        hub.url                       # http://127.0.0.1:PORT/hub
        ... the daemon pings it ...
        hub.pings                     # [Ping(mode, url, content_type, status)], in order
        hub.wait(lambda pings: len(pings) >= 12)

It takes publish notifications (POST, form-encoded hub.mode=publish and
hub.url=..., one or more) and records each.  With fail_first, the first
notification for each hub.url is answered 503 (so the publisher has to
retry) and later ones 202; otherwise every one gets 202.  delay makes
the hub slow, to show the publisher does not wait for it.
"""

import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Ping:
    mode: str
    url: str
    content_type: str
    status: int
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):     # quiet
        pass

    def do_POST(self):
        hub = self.server.hub
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        fields = urllib.parse.parse_qs(body, keep_blank_values=True)
        modes = fields.get("hub.mode", [""])
        urls = fields.get("hub.url", []) + fields.get("hub.topic", [])
        if hub.delay:
            time.sleep(hub.delay)
        with hub.lock:
            status = 202
            for url in urls:
                if hub.fail_first and url not in hub.seen:
                    status = 503
                hub.seen.add(url)
            if modes[0] != "publish" or not urls:
                status = 400
            for url in urls or [""]:
                hub.pings.append(Ping(modes[0], url, self.headers.get("Content-Type", ""), status, time.time()))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class RecordingHub:
    def __init__(self, fail_first=False, delay=0.0):
        self.fail_first = fail_first
        self.delay = delay
        self.pings = []
        self.seen = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.hub = self
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return list(self.pings)

    def wait(self, cond, timeout=20):
        """Waits until cond(pings) is true; returns the pings."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pings = self.snapshot()
            if cond(pings):
                return pings
            time.sleep(0.05)
        raise AssertionError(f"the hub never saw what was expected; it saw {self.snapshot()}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
