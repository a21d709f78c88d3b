"""Micropub helpers for crier's integration tests (stdlib only).

    from micropublib import publishing_crier, Client
    c, token = publishing_crier()                 # a Crier with team "web" and a token
    with c.serve() as d:
        mp = Client(d, token)
        status, h, body = mp.form([("h", "entry"), ("content", "hi")])
        post = mp.source(h["location"])          # q=source as a dict

Each test file starts its own daemon (crierlib.Crier), makes its team and
token with the real CLI (`crier team add`, `crier token new`) and talks
to /micropub over HTTP.  Images are made here, byte by byte, so no
binary fixtures are needed: a real 8x8 baseline JPEG, a 1x1 PNG and a
1x1 GIF.
"""

import json
import re
import socket
import struct
import urllib.parse
import uuid
import zlib

from crierlib import Crier


def publishing_crier(config="", keys=None, team="web", scopes="create,update,delete,media",
                     team_name="Web team"):
    """A Crier (base_url: its listen address) with `team` and one token."""
    c = Crier(config=config, crier_keys=keys or {})
    r = c.run("team", "add", team, "--name", team_name)
    if r.returncode != 0:
        raise AssertionError(f"crier team add failed: {r.stderr}")
    return c, new_token(c, team, scopes)


def new_token(c, team, scopes, name="test"):
    r = c.run("token", "new", "--team", team, "--scope", scopes, "--name", name)
    if r.returncode != 0:
        raise AssertionError(f"crier token new failed: {r.stderr}")
    return r.stdout.strip()


def base_url(c):
    """The daemon's base_url: the config's, else http://LISTEN/."""
    text = open(c.config_path).read()
    m = re.search(r"^base_url = (\S+)$", text, re.M)
    if m:
        return m.group(1).rstrip("/") + "/"
    return "http://" + re.search(r"^listen = (\S+)$", text, re.M).group(1) + "/"


# ---------------------------------------------------------------- images

def jpeg_bytes():
    """A valid 8x8 grey baseline JPEG (DC only), built from the spec's parts."""
    soi, eoi = b"\xff\xd8", b"\xff\xd9"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    # one Huffman code of length 1 in each table: DC category 0, AC end-of-block
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    scan = b"\x3f"          # bits 0 (DC diff 0), 0 (EOB), padded with ones
    return soi + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" \
        + dqt + sof + dht_dc + dht_ac + sos + scan + eoi


def png_bytes(rgb=(255, 0, 0)):
    """A valid 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gif_bytes():
    """A valid 1x1 GIF89a."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def webp_header_bytes():
    """RIFF/WEBP container bytes (the endpoint sniffs the header only)."""
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


# ---------------------------------------------------------------- requests

def multipart(fields=(), files=(), boundary=None):
    """(body, content_type) for fields [(name, value)] and files
    [(name, filename, content_type, bytes)]."""
    boundary = boundary or "crier-" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode()
                   + (value if isinstance(value, bytes) else str(value).encode()) + b"\r\n")
    for name, filename, ctype, data in files:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                   f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class Client:
    """Requests to one daemon's /micropub with a token."""

    def __init__(self, daemon, token):
        self.d = daemon
        self.token = token

    def _auth(self, token, headers):
        h = dict(headers or {})
        t = self.token if token is ... else token
        if t is not None:
            h["Authorization"] = f"Bearer {t}"
        return h

    def post(self, body, content_type, token=..., headers=None, path="/micropub"):
        h = self._auth(token, headers)
        if content_type is not None:
            h["Content-Type"] = content_type
        return self.d.request("POST", path, h, body)

    def form(self, pairs, token=..., headers=None):
        body = urllib.parse.urlencode(pairs)
        return self.post(body, "application/x-www-form-urlencoded; charset=utf-8", token, headers)

    def raw_form(self, text, token=...):
        return self.post(text, "application/x-www-form-urlencoded; charset=utf-8", token)

    def json(self, obj, token=...):
        return self.post(json.dumps(obj), "application/json", token)

    def multipart(self, fields=(), files=(), token=..., path="/micropub"):
        body, ctype = multipart(fields, files)
        return self.post(body, ctype, token, path=path)

    def query(self, params, token=...):
        q = urllib.parse.urlencode(params, doseq=True)
        status, h, body = self.d.request("GET", f"/micropub?{q}", self._auth(token, None))
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        return status, h, data

    def source(self, url, properties=None):
        params = [("q", "source"), ("url", url)]
        for p in properties or []:
            params.append(("properties[]", p))
        status, _, data = self.query(params)
        if status != 200:
            raise AssertionError(f"q=source {url}: {status} {data}")
        return data

    def page(self, url):
        """The HTML of a post page, by its absolute URL."""
        path = urllib.parse.urlsplit(url).path
        status, h, body = self.d.get(path)
        return status, body.decode("utf-8", "replace")


def headers_only(daemon, path, headers, content_length, timeout=10):
    """Sends a POST's headers announcing content_length bytes, and no body;
    returns (status, body) of the server's early answer (e.g. 413)."""
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=timeout) as s:
        lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {content_length}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + _length(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


def _length(data):
    m = re.search(rb"(?im)^content-length:\s*(\d+)", data)
    return int(m.group(1)) if m else 0


def error_of(body):
    """The error code of a JSON error body, or None."""
    try:
        return json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None


def post_count(c, where="1"):
    return c.sql(f"SELECT count(*) FROM posts WHERE kind = 'local' AND {where}")[0][0]
