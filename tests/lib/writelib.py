"""A tiny browser for the web editor's tests (stdlib only): keeps cookies
(by name, honouring Path), sends forms, and finds CSRF tokens.

    from writelib import Browser, add_user
    add_user(c, "ana", "web", "correct horse battery")
    b = Browser(daemon)
    status, headers, page = b.login("ana", "correct horse battery")
    status, headers, page = b.post("/write/new", {"csrf": b.csrf(page), ...})

Responses are (status, headers, text): headers is a list of (name, value)
pairs as sent, so repeated Set-Cookie lines are all there; see header().
"""

import http.client
import re
import urllib.parse


def add_user(crier, name, team, password, admin=False):
    """crier user add NAME --team TEAM --password-stdin; returns the CompletedProcess."""
    args = ["user", "add", name, "--password-stdin"]
    if team:
        args += ["--team", team]
    if admin:
        args.append("--admin")
    return crier.run(*args, input=password + "\n")


def header(headers, name):
    """The first value of header name, or None."""
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


def set_cookies(headers):
    """The Set-Cookie lines of a response."""
    return [v for k, v in headers if k.lower() == "set-cookie"]


def cookie_attrs(line):
    """'a=b; Path=/; HttpOnly' -> ('a', 'b', {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in line.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        attrs[k.lower()] = v if eq else True
    return name, value, attrs


class Browser:
    def __init__(self, daemon, forwarded_for=None):
        self.daemon = daemon
        self.cookies = {}           # name -> (value, path)
        self.forwarded_for = forwarded_for

    def cookie_header(self, path):
        pairs = [f"{n}={v}" for n, (v, p) in self.cookies.items() if path.startswith(p)]
        return "; ".join(pairs)

    def request(self, method, path, form=None, headers=None, raw_body=None):
        h = dict(headers or {})
        cookie = self.cookie_header(path.split("?")[0])
        if cookie:
            h["Cookie"] = cookie
        if self.forwarded_for:
            h["X-Forwarded-For"] = self.forwarded_for
        body = raw_body
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
        if body is not None:
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            hdrs = r.getheaders()
        finally:
            conn.close()
        for line in set_cookies(hdrs):
            name, value, attrs = cookie_attrs(line)
            if attrs.get("max-age") == "0" or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, attrs.get("path", "/"))
        return r.status, hdrs, data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form=None, **kw):
        return self.request("POST", path, form=form if form is not None else {}, **kw)

    @staticmethod
    def csrf(page):
        m = re.search(r'name="csrf" value="([^"]+)"', page)
        return m.group(1) if m else None

    def login(self, name, password):
        _, _, page = self.get("/login")
        return self.post("/login", {"csrf": self.csrf(page), "name": name, "password": password})

    def form(self, path):
        """GETs an editor page; returns (page, csrf)."""
        status, _, page = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}")
        return page, self.csrf(page)
