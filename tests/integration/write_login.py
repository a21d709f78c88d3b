"""The web editor's login over real HTTP: redirects to /login, the login
form's CSRF token, wrong passwords and unknown names (the same answer),
the session cookie's attributes (and Secure under an https base_url),
only the session id's hash in the database, logout, and rate limiting
per client address and per name (429 with Retry-After)."""

import hashlib
import re

from crierlib import Crier, stopped_cleanly
from tap import TAP
from writelib import Browser, add_user, cookie_attrs, header, set_cookies

t = TAP()
PW = "correct horse battery"
TEAMS = """
[team web]
name = Web team
"""

c = Crier(config=TEAMS, crier_keys={"trusted_proxies": "127.0.0.1"})
for name in ("ana", "bob", "cy"):
    r = add_user(c, name, "web", PW)
    t.eq(r.returncode, 0, f"crier user add {name}")


def session_cookie(headers):
    for line in set_cookies(headers):
        name, value, attrs = cookie_attrs(line)
        if name == "crier_session":
            return value, attrs
    return None, None


d = c.serve()
with stopped_cleanly(t, d, "write daemon"):
    b = Browser(d)
    # -- signed out
    status, h, _ = b.get("/write")
    t.eq((status, header(h, "location")), (303, "/login"), "/write without a session redirects to /login")
    t.eq(header(h, "cache-control"), "private, no-store", "and is never cached")
    status, h, _ = b.get("/write/new")
    t.eq(status, 303, "/write/new without a session redirects too")
    status, _, page = b.post("/write/new", {"title": "x"})
    t.eq(status, 403, "a POST without a session is refused")
    status, h, _ = b.get("/logout")
    t.eq((status, header(h, "allow")), (405, "POST"), "GET /logout is 405, Allow: POST")

    # -- the login form
    status, h, page = b.get("/login")
    t.eq(status, 200, "/login is 200")
    t.eq(header(h, "cache-control"), "private, no-store", "/login is private")
    login_cookie = [cookie_attrs(x) for x in set_cookies(h) if x.startswith("crier_login=")]
    t.ok(login_cookie, "/login sets a login token cookie")
    name, token, attrs = login_cookie[0]
    t.ok(attrs.get("httponly") and attrs.get("samesite") == "Strict" and attrs.get("path") == "/login",
         "login token cookie: HttpOnly, SameSite=Strict, Path=/login", attrs)
    t.eq(b.csrf(page), token, "the form carries the same token")
    t.contains(page, '<label for="name">Name</label>', "name has a label")
    t.contains(page, '<label for="password">Password</label>', "password has a label")
    t.contains(page, 'autocomplete="current-password"', "password field says what it is")
    _, _, page2 = b.get("/login")
    t.eq(b.csrf(page2), token, "a second tab gets the same token (the cookie's)")

    # -- CSRF on the login form
    status, h, page = b.post("/login", {"name": "ana", "password": PW})
    t.eq(status, 403, "login without the token is 403")
    t.eq(session_cookie(h)[0], None, "and sets no session")
    status, h, _ = b.post("/login", {"csrf": "x" * 43, "name": "ana", "password": PW})
    t.eq(status, 403, "login with a wrong token is 403")
    other = Browser(d)
    status, h, _ = other.post("/login", {"csrf": token, "name": "ana", "password": PW})
    t.eq(status, 403, "a token without its cookie (another site's form) is 403")

    # -- wrong password, unknown name, empty fields
    status, h, page = b.login("ana", "wrong password!")
    t.eq(status, 422, "a wrong password is 422")
    t.eq(session_cookie(h)[0], None, "and sets no session")
    t.contains(page, "The name or password is not right", "it says so")
    t.contains(page, 'class="error-summary"', "in an error summary")
    t.contains(page, "<title>Error: Sign in", "the page title starts with Error:")
    t.contains(page, 'value="ana"', "the name is kept")
    t.not_contains(page, "wrong password!", "the password is not sent back")
    status2, _, page2 = b.login("nobody-here", "wrong password!")
    t.eq(status2, 422, "an unknown name is 422 too")

    def strip(p):
        return re.sub(r'value="[^"]*"', "", p)

    t.eq(strip(page2), strip(page), "an unknown name gets the same page as a wrong password")
    status, _, page = b.post("/login", {"csrf": b.csrf(page), "name": "", "password": ""})
    t.eq(status, 422, "empty fields are 422")
    t.contains(page, 'href="#name">Enter your name', "summary links to the name field")
    t.contains(page, 'href="#password">Enter your password', "and to the password field")
    t.contains(page, 'aria-describedby="name-error"', "the field points at its error")

    # -- logging in
    status, h, _ = b.login("ana", PW)
    t.eq((status, header(h, "location")), (303, "/write"), "the right password redirects to /write")
    sid, attrs = session_cookie(h)
    t.ok(sid and len(sid) >= 43, "a session cookie is set")
    t.ok(attrs.get("httponly") is True, "session cookie is HttpOnly")
    t.eq(attrs.get("samesite"), "Lax", "session cookie is SameSite=Lax")
    t.eq(attrs.get("path"), "/", "session cookie has Path=/")
    t.ok("secure" not in attrs, "no Secure flag under an http:// base_url")
    t.ok(int(attrs.get("max-age", 0)) > 3600, "the session lasts", attrs.get("max-age"))
    t.ok(any(x.startswith("crier_login=;") for x in set_cookies(h)), "the login token cookie is removed")
    rows = c.sql("SELECT hash, csrf FROM sessions")
    t.eq(len(rows), 1, "one session in the database")
    t.eq(rows[0][0], hashlib.sha256(sid.encode()).hexdigest(), "the database keeps the SHA-256 of the id")
    t.ok(all(sid not in str(r) for r in rows), "and never the id itself")
    t.ok(c.sql("SELECT last_login_at FROM users WHERE name = 'ana'")[0][0] > 0, "last login is recorded")
    status, h, page = b.get("/write")
    t.eq(status, 200, "/write with the session is 200")
    t.contains(page, "Signed in as <strong>ana</strong>", "it names who is signed in")
    t.eq(header(h, "cache-control"), "private, no-store", "/write is private")
    status, h, _ = b.get("/login")
    t.eq((status, header(h, "location")), (303, "/write"), "/login when signed in goes to /write")
    status, _, _ = Browser(d).get("/write", headers={"Cookie": "crier_session=" + "A" * 43})
    t.eq(status, 303, "a made-up session id is not a session")

    # -- logout
    _, _, page = b.get("/write")
    status, _, _ = b.post("/logout", {})
    t.eq(status, 403, "logout without the CSRF token is refused")
    t.eq(b.get("/write")[0], 200, "and the session lives on")
    status, h, _ = b.post("/logout", {"csrf": "nope"})
    t.eq(status, 403, "logout with a wrong token is refused")
    status, h, _ = b.post("/logout", {"csrf": b.csrf(page)})
    t.eq((status, header(h, "location")), (303, "/login?signed-out=1"), "logout redirects to /login")
    t.ok(any(x.startswith("crier_session=;") and "Max-Age=0" in x for x in set_cookies(h)),
         "logout removes the cookie")
    t.eq(c.sql("SELECT count(*) FROM sessions")[0][0], 0, "logout deletes the session")
    stale = Browser(d)
    stale.cookies["crier_session"] = (sid, "/")
    t.eq(stale.get("/write")[0], 303, "the old session id no longer works")
    _, _, page = b.get("/login?signed-out=1")
    t.contains(page, "You have signed out.", "the login page says you signed out")

    # -- rate limiting per client address (X-Forwarded-For from a trusted proxy)
    attacker = Browser(d, forwarded_for="203.0.113.9")
    for i in range(5):
        status, h, _ = attacker.login(f"guess{i}", "wrong password!")
        t.eq(status, 422, f"failure {i + 1} from one address is 422")
    status, h, page = attacker.login("ana", PW)
    t.eq(status, 429, "the 6th attempt from that address is 429, even with the right password")
    retry = header(h, "retry-after")
    t.ok(retry is not None and 800 < int(retry) <= 900, "with Retry-After in seconds", retry)
    t.contains(page, "Too many failed sign-ins. Try again in 15 minutes.", "it says when to try again")
    t.eq(session_cookie(h)[0], None, "and no session")
    status, _, _ = Browser(d, forwarded_for="203.0.113.10").login("ana", PW)
    t.eq(status, 303, "another address still signs in")
    t.contains(d.log(), 'msg="login refused: too many failures" addr=203.0.113.9', "the lockout is logged")

    # -- rate limiting per name, from many addresses
    for i in range(5):
        status, _, _ = Browser(d, forwarded_for=f"198.51.100.{i + 1}").login("bob", "wrong password!")
        t.eq(status, 422, f"failure {i + 1} for bob")
    status, h, _ = Browser(d, forwarded_for="198.51.100.99").login("bob", PW)
    t.eq(status, 429, "after 5 failures for one name, a new address gets 429 for it")
    t.ok(header(h, "retry-after") is not None, "with Retry-After")
    status, _, _ = Browser(d, forwarded_for="198.51.100.99").login("cy", PW)
    t.eq(status, 303, "other names are not locked")
    t.eq(c.sql("SELECT count(*) FROM sessions")[0][0], 2, "only the good logins made sessions")

    log = d.log()
    t.not_contains(log, PW, "the password never reaches the log")
    t.not_contains(log, "wrong password!", "nor do wrong ones")
    t.not_contains(log, sid, "nor the session id")

# -- Secure cookies under an https base_url
c2 = Crier(config=TEAMS, crier_keys={"base_url": "https://notes.example.gov.uk/"})
add_user(c2, "ana", "web", PW)
d2 = c2.serve()
with stopped_cleanly(t, d2, "https daemon"):
    b = Browser(d2)
    _, h, _ = b.get("/login")
    t.ok(all("; Secure" in x for x in set_cookies(h)), "login token cookie is Secure", set_cookies(h))
    status, h, _ = b.login("ana", PW)
    sid, attrs = session_cookie(h)
    t.eq(status, 303, "https: signs in")
    t.ok(attrs is not None and attrs.get("secure") is True, "session cookie is Secure under https", attrs)

c.cleanup()
c2.cleanup()
t.done()
