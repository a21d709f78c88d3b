"""A scriptable HTTP/1.1 test server on 127.0.0.1 (Python 3 stdlib only).

Tests use it in-process:

    from fixture_server import FixtureServer
    with FixtureServer(root="tests/fixtures/feeds") as srv:
        srv.set("/feed.xml", body=b"<rss/>", etag='"v1"')
        url = srv.url("/feed.xml")              # http://127.0.0.1:PORT/feed.xml
        ... run crier / fetchtool against url ...
        req = srv.last("/feed.xml")             # what the client sent
        req.headers["if-none-match"]            # header names are lowercase

or from a shell (static files under --root, routes from --routes JSON):

    python3 tests/lib/fixture_server.py --root DIR --port-file F [--routes R.json]

which writes the port to F once it listens and runs until SIGTERM/SIGINT.
A running server (in-process or not) is also controlled over HTTP:
POST /_fixture/set with a JSON object {"path": ..., <route fields>...},
POST /_fixture/reset (routes and log), GET /_fixture/log (the request log
as JSON).  Control requests are not logged.

Routes.  srv.set(path, **fields) makes `path` (matched without its query)
answer as described by the Route fields below, replacing what was there;
srv.update(path, **fields) changes only the fields given.  A path with no
route is served from `root` as a static file (ETag from its content,
Last-Modified from its mtime, conditional GET honoured), else 404.

    status=200            HTTP status
    body=b""              bytes or str (UTF-8); size=N makes N bytes of "x"
    content_type=None     default: by extension (xml, json, html, txt)
    etag=None             sent as ETag; a matching If-None-Match gives 304
    last_modified=None    HTTP date string, or Unix seconds; an
                          If-Modified-Since at or after it gives 304
    honour_validators=True  False: ignore validators, always send status
    location=None         sent as Location (use with 301/302/303/307/308)
    retry_after=None      sent as Retry-After (use with 429/503)
    headers={}            any more response headers
    delay=0.0             seconds to wait before answering
    mode="length"         how the body is sent:
        "length"   Content-Length, keep-alive
        "chunked"  Transfer-Encoding: chunked
        "close"    no length; the connection closes after the body
        "trickle"  Content-Length, then trickle_bytes every trickle_interval s
        "endless"  chunked, never ends (until the client gives up)
    trickle_bytes=1, trickle_interval=0.2
    gzip=False            send the body gzip-compressed (Content-Encoding: gzip)
    gzip_bomb=0           N > 0: send N zero bytes gzip-compressed (a few KB
                          on the wire per MB decoded)

Helpers: srv.redirect(path, to, status=301); srv.chain(prefix, statuses,
final) builds prefix/0 -> prefix/1 -> ... -> final with the given
statuses and returns the first path.

Request log.  srv.requests is a list of Request(method, path, headers,
body, conn_id, host, started, ended); srv.log(path) filters by path,
srv.last(path) is the newest, srv.clear_log() empties it.  conn_id
numbers TCP connections (keep-alive reuse shows as repeated ids);
srv.connections counts accepted connections.  srv.max_in_flight(path)
and srv.max_in_flight_host(host) give the most requests that were being
answered at once (for concurrency limits); max_overlap(requests) does the
same over any list of requests, e.g. the logs of several servers.
"""

import argparse
import email.utils
import gzip
import hashlib
import http.server
import io
import json
import mimetypes
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field, fields as dc_fields
from typing import Optional, Union

__all__ = ["FixtureServer", "Route", "Request", "max_overlap", "http_date"]

CONTROL_PREFIX = "/_fixture/"

CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def http_date(ts):
    """Unix seconds -> 'Mon, 23 Nov 2026 10:00:00 GMT'."""
    return email.utils.formatdate(ts, usegmt=True)


def parse_http_date(value):
    """HTTP date -> Unix seconds, or None."""
    try:
        d = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return d.timestamp() if d is not None else None


@dataclass
class Route:
    status: int = 200
    body: Union[bytes, str] = b""
    size: Optional[int] = None
    content_type: Optional[str] = None
    etag: Optional[str] = None
    last_modified: Union[str, int, float, None] = None
    honour_validators: bool = True
    location: Optional[str] = None
    retry_after: Union[str, int, None] = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    mode: str = "length"
    trickle_bytes: int = 1
    trickle_interval: float = 0.2
    gzip: bool = False
    gzip_bomb: int = 0

    MODES = ("length", "chunked", "close", "trickle", "endless")

    def __post_init__(self):
        if self.mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, not {self.mode!r}")
        if isinstance(self.body, str):
            self.body = self.body.encode("utf-8")


@dataclass
class Request:
    method: str
    path: str                 # as sent, with the query
    headers: dict             # lowercase name -> value (the last one wins)
    body: bytes
    conn_id: int
    host: str                 # the Host header
    started: float            # time.monotonic() when the request was read
    ended: Optional[float] = None   # when the response began to complete
                                    # (before its last bytes were sent)
    header_list: list = field(default_factory=list)   # [(name, value)] as sent


def max_overlap(requests):
    """The most requests of the list that were being answered at once."""
    events = []
    for r in requests:
        end = r.ended if r.ended is not None else float("inf")
        events.append((r.started, 1))
        events.append((end, -1))
    # at equal times, count ends before starts
    events.sort(key=lambda e: (e[0], e[1]))
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


_bomb_cache = {}
_bomb_lock = threading.Lock()


def _gzip_zeros(n):
    """n zero bytes, gzip-compressed (cached: bombs are reused)."""
    with _bomb_lock:
        if n not in _bomb_cache:
            out = io.BytesIO()
            with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
                chunk = b"\0" * (1 << 20)
                left = n
                while left > 0:
                    gz.write(chunk[:min(left, len(chunk))])
                    left -= len(chunk)
            _bomb_cache[n] = out.getvalue()
        return _bomb_cache[n]


def _etag_matches(header, etag):
    """If-None-Match semantics: weak comparison, '*' matches anything."""
    if header.strip() == "*":
        return True

    def strip_weak(t):
        t = t.strip()
        return t[2:] if t.startswith("W/") else t
    want = strip_weak(etag)
    return any(strip_weak(t) == want for t in header.split(","))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True      # headers and body go out as separate writes
    def version_string(self):
        return "crier-fixture/1"

    def log_message(self, fmt, *args):     # quiet
        pass

    def setup(self):
        super().setup()
        self.conn_id = self.server.fixture._new_connection()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fixture._connection_closed()

    def do_GET(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    # ------------------------------------------------------------ plumbing
    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _handle(self):
        fx = self.server.fixture
        body = self._read_body()
        path = self.path.split("?", 1)[0]
        if path.startswith(CONTROL_PREFIX):
            self._control(path[len(CONTROL_PREFIX):], body)
            return
        req = fx._begin(self, body)
        self._req = req
        try:
            route = fx.route(path)
            if route is None:
                route = fx._static_route(path)
            self._respond(route)
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        finally:
            fx._end(req)

    def _control(self, what, body):
        fx = self.server.fixture
        status, out = 200, {"ok": True}
        try:
            if what == "set" and self.command == "POST":
                spec = json.loads(body or b"{}")
                path = spec.pop("path")
                fx.set(path, **spec)
            elif what == "reset" and self.command == "POST":
                fx.reset()
            elif what == "log":
                out = [dict(method=r.method, path=r.path, headers=r.headers,
                            body=r.body.decode("utf-8", "replace"), conn_id=r.conn_id,
                            host=r.host, started=r.started, ended=r.ended)
                       for r in fx.requests]
            else:
                status, out = 404, {"error": f"no control {what!r}"}
        except (ValueError, KeyError, TypeError) as e:
            status, out = 400, {"error": str(e)}
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answering(self):
        """The response is about to complete: the request counts as ended
        now, before the client can have seen the last byte (so a client
        that starts its next request at once never seems to overlap)."""
        if self._req.ended is None:
            self._req.ended = time.monotonic()

    def _not_modified(self, route):
        if not route.honour_validators or route.status != 200:
            return False
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return route.etag is not None and _etag_matches(inm, route.etag)
        ims = self.headers.get("If-Modified-Since")
        if ims is None or route.last_modified is None:
            return False
        since = parse_http_date(ims)
        lm = route.last_modified
        lm = lm if isinstance(lm, (int, float)) else parse_http_date(lm)
        return since is not None and lm is not None and int(lm) <= int(since)

    def _respond(self, route):
        if route.delay > 0:
            time.sleep(route.delay)
        status = 304 if self._not_modified(route) else route.status
        body = route.body if route.size is None else b"x" * route.size
        encoding = None
        if route.gzip_bomb > 0:
            body, encoding = _gzip_zeros(route.gzip_bomb), "gzip"
        elif route.gzip:
            body, encoding = gzip.compress(body, mtime=0), "gzip"
        if status == 304 or self.command == "HEAD" or status in (204,) or status < 200:
            send_body = False
        else:
            send_body = True

        self.send_response(status)
        if route.content_type is not None or send_body:
            self.send_header("Content-Type", route.content_type or "application/xml")
        if route.etag is not None:
            self.send_header("ETag", route.etag)
        if route.last_modified is not None:
            lm = route.last_modified
            self.send_header("Last-Modified", lm if isinstance(lm, str) else http_date(lm))
        if route.location is not None:
            self.send_header("Location", route.location)
        if route.retry_after is not None:
            self.send_header("Retry-After", str(route.retry_after))
        if encoding is not None and send_body:
            self.send_header("Content-Encoding", encoding)
        for k, v in route.headers.items():
            self.send_header(k, str(v))
        if not send_body:
            if status != 304 and status >= 200:
                self.send_header("Content-Length", "0" if self.command != "HEAD" else str(len(body)))
            self._answering()
            self.end_headers()
            return
        getattr(self, "_send_" + route.mode)(route, body)

    def _send_length(self, route, body):
        self.send_header("Content-Length", str(len(body)))
        self._answering()
        self.end_headers()
        self.wfile.write(body)

    def _send_chunked(self, route, body):
        self.send_header("Transfer-Encoding", "chunked")
        self._answering()
        self.end_headers()
        step = 16384
        for i in range(0, len(body), step):
            part = body[i:i + step]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def _send_close(self, route, body):
        self.send_header("Connection", "close")
        self._answering()
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _send_trickle(self, route, body):
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        step = max(1, route.trickle_bytes)
        for i in range(0, len(body), step):
            if self.server.fixture._stopping.is_set():
                break
            self.wfile.write(body[i:i + step])
            self.wfile.flush()
            time.sleep(route.trickle_interval)
        self.close_connection = True

    def _send_endless(self, route, body):
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        part = body or b"<item>x</item>\n" * 4096
        chunk = b"%x\r\n%s\r\n" % (len(part), part)
        while not self.server.fixture._stopping.is_set():
            self.wfile.write(chunk)
        self.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # clients that give up (timeouts, size caps) are what tests provoke
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


class FixtureServer:
    """See the module documentation."""

    def __init__(self, root=None, host="127.0.0.1", port=0):
        self.root = os.path.abspath(root) if root else None
        self._lock = threading.Lock()
        self._routes = {}
        self.requests = []
        self.connections = 0
        self.open_connections = 0
        self.max_open_connections = 0
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fixture = self
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = None

    # ------------------------------------------------------------ lifecycle
    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ addresses
    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    @property
    def hostport(self):
        """'127.0.0.1:PORT', as in allow_private_hosts."""
        return f"{self.host}:{self.port}"

    def url(self, path="/", host=None):
        """Absolute URL of path; host= another name for this server (e.g. 'localhost')."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{host or self.host}:{self.port}{path}"

    # ------------------------------------------------------------ routes
    def set(self, path, **fields):
        """Makes path answer as Route(**fields), replacing any route there."""
        route = Route(**fields)
        with self._lock:
            self._routes[path] = route
        return route

    def update(self, path, **fields):
        """Changes only the fields given of path's route (created if absent)."""
        with self._lock:
            old = self._routes.get(path) or Route()
            values = {f.name: getattr(old, f.name) for f in dc_fields(Route)}
            values.update(fields)
            self._routes[path] = Route(**values)
            return self._routes[path]

    def unset(self, path):
        with self._lock:
            self._routes.pop(path, None)

    def route(self, path):
        with self._lock:
            return self._routes.get(path)

    def redirect(self, path, to, status=301):
        """path answers status with Location: to (a path here or an absolute URL)."""
        self.set(path, status=status, location=self.url(to) if to.startswith("/") else to)

    def chain(self, prefix, statuses, final):
        """prefix/0 -status[0]-> prefix/1 -> ... -> final; returns prefix/0."""
        for i, st in enumerate(statuses):
            nxt = f"{prefix}/{i + 1}" if i + 1 < len(statuses) else final
            self.redirect(f"{prefix}/{i}", nxt, st)
        return f"{prefix}/0"

    def reset(self):
        """Forgets every route and the request log."""
        with self._lock:
            self._routes.clear()
            self.requests = []

    def _static_route(self, path):
        if self.root is None:
            return Route(status=404, body=b"not found\n", content_type="text/plain")
        rel = os.path.normpath(path.lstrip("/"))
        full = os.path.join(self.root, rel)
        if rel.startswith("..") or not os.path.isfile(full):
            return Route(status=404, body=b"not found\n", content_type="text/plain")
        with open(full, "rb") as f:
            data = f.read()
        ext = os.path.splitext(full)[1]
        ctype = CONTENT_TYPES.get(ext) or mimetypes.guess_type(full)[0] or "application/octet-stream"
        return Route(body=data, content_type=ctype,
                     etag='"' + hashlib.sha256(data).hexdigest()[:16] + '"',
                     last_modified=int(os.stat(full).st_mtime))

    # ------------------------------------------------------------ log
    def _new_connection(self):
        with self._lock:
            self.connections += 1
            self.open_connections += 1
            self.max_open_connections = max(self.max_open_connections, self.open_connections)
            return self.connections

    def _connection_closed(self):
        with self._lock:
            self.open_connections -= 1

    def _begin(self, handler, body):
        hdrs = {k.lower(): v for k, v in handler.headers.items()}
        req = Request(method=handler.command, path=handler.path, headers=hdrs, body=body,
                      conn_id=handler.conn_id, host=handler.headers.get("Host", ""),
                      started=time.monotonic(), header_list=list(handler.headers.items()))
        with self._lock:
            self.requests.append(req)
        return req

    def _end(self, req):
        if req.ended is None:
            req.ended = time.monotonic()

    def log(self, path=None):
        """Requests so far (for path: those whose path without query is path)."""
        with self._lock:
            reqs = list(self.requests)
        if path is None:
            return reqs
        return [r for r in reqs if r.path.split("?", 1)[0] == path]

    def last(self, path=None):
        reqs = self.log(path)
        return reqs[-1] if reqs else None

    def clear_log(self):
        with self._lock:
            self.requests = []
            self.connections = 0
            self.max_open_connections = self.open_connections

    def max_in_flight(self, path=None):
        """Most requests (to path, or to anything) answered at once."""
        return max_overlap(self.log(path))

    def max_in_flight_host(self, host):
        """Most requests with this Host header answered at once."""
        return max_overlap([r for r in self.log() if r.host == host])


def main(argv=None):
    ap = argparse.ArgumentParser(description="crier's fixture HTTP server (see the module doc)")
    ap.add_argument("--root", help="serve static files from DIR")
    ap.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--routes", help="JSON file: {path: {route fields}}")
    args = ap.parse_args(argv)

    srv = FixtureServer(root=args.root, port=args.port)
    if args.routes:
        with open(args.routes) as f:
            for path, spec in json.load(f).items():
                srv.set(path, **spec)
    srv.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{srv.port}\n")
        os.replace(tmp, args.port_file)
    else:
        print(srv.port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    while not done.wait(0.5):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
