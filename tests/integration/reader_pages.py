"""The reader over real HTTP: pages, feeds, headers, 304s, gzip, errors,
pagination, weeks, search, static files, and slow clients.

Fixture feeds are served by the fixture server on 127.0.0.1, fetched by
`crier fetch` into a real store, then the real daemon answers."""

import gzip
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.parse

import feedparser  # Debian's python3-feedparser

from crierlib import CRIER, SRCDIR, Crier, stopped_cleanly
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
FIX = os.path.join(SRCDIR, "tests", "fixtures", "reader")


def read(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


srv = FixtureServer()
srv.__enter__()
srv.set("/weeknotes.xml", body=read("weeknotes.xml"), content_type="application/rss+xml")
srv.set("/agency.atom", body=read("agency.xml"), content_type="application/atom+xml")
srv.set("/broken.xml", status=404, body="gone fishing")
host = f"127.0.0.1:{srv.port}"

config = f"""
[team web]
name = Web team
description = We build the council website.

[feed {srv.url('/weeknotes.xml')}]
name = Digital team weeknotes
tags = council

[feed {srv.url('/agency.atom')}]
tags = agency

[feed {srv.url('/broken.xml')}]
name = Broken blog
"""
c = Crier(config=config, crier_keys={"allow_private_hosts": host, "page_size": "2",
                                      "request_timeout": "3s", "site_title": "Sector notes"})
r = c.run("fetch")
t.eq(r.returncode, 0, "crier fetch exits 0")
t.contains(r.stdout, "fetched 3 feeds", "fetch summary names the feeds")
t.contains(r.stdout, "1 failed", "and the failure")

d = c.serve()


def get(path, headers=None):
    return d.request("GET", path, headers)


def text(body):
    return body.decode("utf-8")


with stopped_cleanly(t, d, "reader daemon"):
    # -- the river
    status, h, body = get("/")
    page = text(body)
    t.eq(status, 200, "/ is 200")
    t.eq(h.get("content-type"), "text/html; charset=utf-8", "/ is HTML")
    titles = re.findall(r'class="post-title" id="post-\d+"><a href="(/post/[^"]+)">([^<]+)</a>', page)
    t.eq([x[1] for x in titles], ["Weeknotes 46: forms, forms, forms", "Accessibility audit of our services"],
         "river: newest posts first, page_size of them")
    t.contains(page, 'Original source – <a href="https://council.example/blog/weeknotes-46">Digital team weeknotes</a>',
               "attribution names the source and links the original post")
    t.not_contains(page, "<script>alert", "script from the feed is gone")
    t.not_contains(page, "onclick", "event handlers from the feed are gone")
    t.not_contains(page, "javascript:", "javascript: links are gone")
    t.contains(page, 'src="https://council.example/img/form.png"', "relative image URLs made absolute")
    t.contains(page, 'href="https://agency.example/blog/report"', "relative links resolved against xml:base")
    t.contains(page, 'rel="alternate" type="application/atom+xml"', "river links its Atom feed")
    t.contains(page, 'href="/tag/weeknotes"', "posts link their tags")
    for hdr, want in (("content-security-policy", "default-src 'none'"), ("x-content-type-options", "nosniff"),
                      ("referrer-policy", None), ("etag", '"'), ("last-modified", "GMT"),
                      ("cache-control", "max-age="), ("vary", "Accept-Encoding")):
        t.ok(hdr in h and (want is None or want in h[hdr]), f"/ has {hdr}", h.get(hdr))
    t.contains(h.get("content-security-policy", ""), "frame-ancestors 'none'", "CSP forbids framing")
    t.not_contains(h.get("content-security-policy", ""), "unsafe-inline", "CSP allows no inline script")

    # -- conditional requests, gzip, HEAD
    etag, lm = h["etag"], h["last-modified"]
    status, h2, body2 = get("/", {"If-None-Match": etag})
    t.eq((status, body2), (304, b""), "If-None-Match answered 304")
    t.eq(h2.get("etag"), etag, "304 repeats the ETag")
    status, _, _ = get("/", {"If-Modified-Since": lm})
    t.eq(status, 304, "If-Modified-Since answered 304")
    status, _, _ = get("/", {"If-None-Match": '"nope"'})
    t.eq(status, 200, "a stale ETag gets the page")
    status, hz, bz = get("/", {"Accept-Encoding": "gzip"})
    t.eq(hz.get("content-encoding"), "gzip", "gzip when asked")
    t.eq(gzip.decompress(bz), body, "gzip body is the same page")
    t.ok(hz.get("etag") != etag, "gzip has its own ETag")
    status, h3, b3 = d.request("HEAD", "/")
    t.eq((status, b3, h3.get("etag")), (200, b"", etag), "HEAD: same headers, no body")

    # -- pagination (page_size 2)
    older = re.search(r'href="(/\?before=\d+-\d+)" rel="next"', page)
    t.ok(older, "river links older posts")
    status, _, body = get(older.group(1).replace("&amp;", "&"))
    titles2 = re.findall(r'class="post-title" id="post-\d+"><a href="[^"]+">([^<]+)</a>', text(body))
    t.eq(titles2, ["Weeknotes 45: discovery wrap-up", "Open data: bus timetables"], "older page continues the river")
    for bad in ("/?before=yesterday", "/?before=1-", "/?before=-5", "/?before=99999999999999999999999-1"):
        status, h4, _ = get(bad)
        t.eq(status, 400, f"bad cursor {bad} is 400")
    t.ok("content-security-policy" in h4, "error pages carry the CSP")
    status, _, _ = get("/?utm_source=x&whatever=1")
    t.eq(status, 200, "unknown parameters are ignored")

    # -- a post
    path = titles[0][0]
    status, _, body = get(path)
    t.eq(status, 200, "a post page is 200")
    t.contains(text(body), "<h1 id=\"post-title\">Weeknotes 46: forms, forms, forms</h1>", "post page has its title")
    post_id = re.match(r"/post/(\d+)", path).group(1)
    status, h, _ = get(f"/post/{post_id}")
    t.eq((status, h.get("location")), (301, path), "/post/ID redirects to the canonical slug")
    status, _, _ = get("/post/999999-nope")
    t.eq(status, 404, "an unknown post is 404")

    # -- tags, sources, teams
    status, _, body = get("/tag/weeknotes")
    t.eq(status, 200, "tag page is 200")
    t.eq(len(re.findall(r'class="post-title"', text(body))), 2, "tag page lists the tagged posts")
    status, _, body = get("/tag/accessibility")
    t.contains(text(body), "Accessibility audit", "a category becomes a tag page")
    status, _, body = get("/tag/open-data")
    t.contains(text(body), "bus timetables", "tags are slugs of labels")
    t.eq(get("/tag/no-such-tag")[0], 404, "unknown tag is 404")
    status, _, body = get("/source/1")
    t.ok(status == 200 and "Digital team weeknotes" in text(body), "source page")
    t.eq(get("/source/abc")[0], 404, "non-numeric source id is 404")
    status, _, body = get("/team/web")
    t.ok(status == 200 and "We build the council website." in text(body), "team page")

    # -- weeks
    status, h, _ = get("/week")
    t.ok(status == 302 and re.fullmatch(r"/week/\d{4}-W\d\d", h.get("location", "")), "/week redirects to this week", h)
    status, _, body = get("/week/2026-W46")
    wk = text(body)
    t.eq(status, 200, "week page is 200")
    t.contains(wk, "Weeknotes 46", "week shows that week's weeknotes")
    t.not_contains(wk, "Weeknotes 45", "and not another week's")
    t.not_contains(wk, "Accessibility audit", "and not untagged posts")
    t.contains(wk, 'href="/week/2026-W45"', "previous week link")
    t.contains(wk, 'href="/week/2026-W47"', "next week link")
    status, _, body = get("/week/2026-W47")
    t.ok("Not posted this week" in text(body) and "Digital team weeknotes" in text(body),
         "a quiet source is listed as not posted")
    for bad in ("/week/2026-W54", "/week/2026-W00", "/week/2025-W53", "/week/nonsense", "/week/2026-W4"):
        t.eq(get(bad)[0], 404, f"{bad} is 404")
    t.eq(get("/week/2026-W53")[0], 200, "2026 has a week 53")

    # -- search
    status, _, body = get("/search?q=parking")
    s = text(body)
    t.eq(status, 200, "search is 200")
    t.contains(s, "<mark>parking</mark>", "search highlights matches")
    t.contains(s, "Weeknotes 46", "search finds the post")
    for q in ('"', '*', 'AND', 'NEAR(', 'title:', '%ff', "')--", 'a' * 5000, 'élan vital', '\u202e'):
        status, _, body = get("/search?q=" + urllib.parse.quote(q))
        t.ok(status == 200, f"search {q[:20]!r} answers 200 (got {status})")

    # -- sources page
    status, _, body = get("/sources")
    s = text(body)
    t.eq(status, 200, "/sources is 200")
    t.contains(s, "Broken blog", "sources lists the failing feed")
    t.contains(s, "Failing since", "with a failing-since mark")
    t.contains(s, "HTTP 404 Not Found", "and the error in plain words")

    # -- feeds of every list
    parsed = {}
    for path in ("/feed.atom", "/feed.rss", "/feed.json", "/tag/weeknotes.atom", "/tag/weeknotes.rss",
                 "/tag/weeknotes.json", "/source/1.atom", "/team/web.json", "/week/2026-W46.atom"):
        status, h, body = get(path)
        want = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}[path.rsplit(".", 1)[1]]
        t.ok(status == 200 and h.get("content-type", "").startswith(want), f"{path}: 200 {want}", h.get("content-type"))
        if path.endswith(".json"):
            # Debian's feedparser 6.0.10 predates JSON Feed support: check the shape instead
            doc = json.loads(body)
            t.ok(doc.get("version") == "https://jsonfeed.org/version/1.1" and doc.get("feed_url", "").endswith(path)
                 and isinstance(doc.get("items"), list), f"{path}: a JSON Feed 1.1 document with its feed_url")
        else:
            fp = feedparser.parse(body)
            t.ok(not fp.bozo, f"{path}: python3-feedparser reads it without bozo", getattr(fp, "bozo_exception", ""))
            t.contains(text(body), 'rel="self"', f"{path} has a rel=self link")
        with tempfile.NamedTemporaryFile(suffix=".feed") as f:
            f.write(body)
            f.flush()
            r = subprocess.run([CRIER, "parse", f.name], capture_output=True, text=True)
        try:
            out = json.loads(r.stdout)
        except ValueError:
            out = {}
        t.ok(r.returncode == 0 and out.get("_crier", {}).get("bozo") is False, f"{path}: crier parse reads it without bozo",
             r.stdout[:300] + r.stderr[:300])
        parsed[path] = out
    t.eq([i.get("title") for i in parsed["/feed.atom"].get("items", [])],
         ["Weeknotes 46: forms, forms, forms", "Accessibility audit of our services"],
         "the river's Atom feed has the river's posts")
    t.eq(len(parsed["/tag/weeknotes.rss"].get("items", [])), 2, "tag RSS feed has the tagged posts")
    t.eq(get("/feed")[0], 404, "/feed without a format is 404")
    t.eq(get("/sources.atom")[0], 404, "pages that are not lists have no feeds")

    # -- OPML, health, metrics
    status, h, body = get("/opml")
    t.ok(status == 200 and b'<opml version="2.0">' in body and b"Digital team weeknotes" in body, "/opml is OPML 2.0")
    t.contains(text(body), 'category="/council"', "OPML carries tags")
    status, _, body = get("/metrics")
    m = text(body)
    t.ok(status == 200 and "crier_posts 4" in m, "/metrics counts posts", m[:400])
    t.contains(m, 'crier_feeds{state="failing"} 1', "/metrics counts failing feeds")
    t.contains(m, 'crier_http_requests_total{route="river",code="2xx"}', "/metrics counts requests by route")
    t.contains(m, "crier_http_request_duration_seconds_bucket", "/metrics has durations")

    # -- errors and hostile requests
    status, h, body = d.request("POST", "/")
    t.eq((status, h.get("allow")), (405, "GET, HEAD"), "POST / is 405 with Allow")
    status, h, body = get("/no/such/page")
    t.ok(status == 404 and b"Page not found" in body and "content-security-policy" in h, "themed 404 with CSP")
    for path in ("/tag/%ff%fe", "/%00", "/tag/%", "/search?q=%", "/post/%2e%2e", "/" + "a" * 3000,
                 "/?" + "x=1&" * 500, "/week/%32%30%32%36-W46"):
        status, _, _ = get(path)
        t.ok(status in (200, 301, 302, 400, 404, 414, 431), f"{path[:30]!r} gives {status}, not a 5xx")
    # thousands of arguments do not fit libmicrohttpd's per-connection memory: it closes
    # the connection without a reply; the daemon itself carries on
    try:
        status = get("/?" + "x=1&" * 5000)[0]
    except (ConnectionError, OSError):
        status = "closed"
    t.ok(status in (400, 414, 431, "closed"), f"5,000 query arguments: {status}, not a 5xx")
    t.eq(get("/healthz")[0], 200, "the daemon carries on after hostile requests")

    # -- static files and traversal
    status, h, body = get("/static/style.css")
    t.ok(status == 200 and h.get("content-type", "").startswith("text/css"), "static CSS served")
    t.contains(h.get("cache-control", ""), "max-age=31536000", "static files cache for a year")
    t.ok(re.search(r'href="/static/v-[0-9a-f]+/style.css"', page), "pages link a versioned static URL")
    for path in ("/static/../crier.conf", "/static/%2e%2e/%2e%2e/config/crier.conf.example",
                 "/static/..%2f..%2fMakefile.am", "/static/v-1/../../../etc/passwd", "/static/.hidden.css",
                 "/static//etc/passwd", "/static/style.css%00.png"):
        status, _, body = get(path)
        t.ok(status in (400, 404) and b"root:" not in body and b"[crier]" not in body,
             f"traversal {path} refused ({status})")

    # -- the cache follows the store
    etag_before = get("/")[1]["etag"]
    srv.set("/weeknotes.xml", body=read("weeknotes.xml").replace(
        b"<item>", b"<item><title>Weeknotes 47: a new one</title><link>https://council.example/blog/w47</link>"
        b"<pubDate>Fri, 20 Nov 2026 16:00:00 +0000</pubDate><category>weeknotes</category>"
        b"<description>New.</description></item><item>", 1), content_type="application/rss+xml")
    r = c.run("fetch", "--all")
    status, h, body = get("/")
    t.ok(h["etag"] != etag_before and b"Weeknotes 47: a new one" in body, "a new post shows at once (cache invalidated)")

    # -- a slow client cannot hold a connection past request_timeout
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"GET / HTTP/1.1\r\n")
    started = time.monotonic()
    closed = False
    try:
        for _ in range(20):
            time.sleep(0.5)
            s.sendall(b"X-Drip: 1\r\n")  # each byte resets an inactivity timer; the deadline does not move
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    if not closed:
        s.settimeout(5)
        try:
            closed = s.recv(100) == b""
        except OSError:
            closed = True
    s.close()
    elapsed = time.monotonic() - started
    t.ok(closed and elapsed < 8, f"a dripping client is cut off after the 3 s deadline ({elapsed:.1f}s)")
    t.eq(get("/healthz")[0], 200, "others are still served")

srv.__exit__(None, None, None)
c.cleanup()
t.done()
