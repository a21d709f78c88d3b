"""Polling end to end: the fixture server serves feeds, `crier fetch`
fetches, parses, tags and stores them, and the real SQLite file is
checked after each run: conditional GET stores nothing new, a server
that ignores validators is caught by the body hash, changed items are
updated in place, permanent redirects move the feed, temporary ones do
not, failures back off, Retry-After is honoured, 410 retires a feed."""

import re
import subprocess

from crierlib import CRIER, Crier
from fixture_server import FixtureServer
from tap import TAP

t = TAP()
NOW = 1795000000            # a fixed clock (2026-11-18) via CRIER_FAKE_NOW


def rss(items, title="Team blog"):
    body = "".join(
        f"<item><title>{it[1]}</title><link>https://team.example/{it[0]}</link><guid>https://team.example/{it[0]}</guid>"
        f"<pubDate>Mon, 16 Nov 2026 0{i}:00:00 GMT</pubDate><category>Updates</category>"
        f"<description>{it[2]}</description></item>" for i, it in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://team.example/</link><description>d</description>{body}</channel></rss>")


ITEMS = [("a", "Weeknotes 1", "first"), ("b", "Post two", "second"), ("c", "Post three", "third")]

with FixtureServer() as srv, Crier(crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}",
                                                "poll_interval": "30m", "max_backoff": "4h",
                                                "fetch_timeout": "3s", "max_feed_bytes": "256k"},
                                    config="[rule weeknotes]\ntitle = week ?notes\ntag = weeknotes\n") as c:
    env = {"CRIER_FAKE_NOW": str(NOW)}

    def fetch(*args, now=None):
        e = {"CRIER_FAKE_NOW": str(now or NOW)}
        r = c.run("fetch", *args, env=e)
        if r.returncode != 0:
            t.diag(r.stderr)
        return r

    def feed(url):
        rows = c.sql("SELECT id, url, error_count, last_status, coalesce(last_error, ''), next_fetch_at, gone, "
                     "etag FROM feeds WHERE url = ?", (url,))
        return rows[0] if rows else None

    # -- first fetch stores, tags; conditional GET stores nothing new
    srv.set("/blog.xml", body=rss(ITEMS), etag='"v1"', content_type="application/rss+xml")
    c.run("feeds", "add", srv.url("/blog.xml"), "--tag", "Council")
    r = fetch()
    t.contains(r.stdout, "fetched 1 feed", "fetch reports the feed")
    t.contains(r.stdout, "3 new posts", "and the new posts")
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], 3, "three posts stored")
    tags = {row[0] for row in c.sql("SELECT t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
                                    "JOIN posts p ON p.id = pt.post_id WHERE p.guid = 'https://team.example/a'")}
    t.eq(tags, {"council", "updates", "weeknotes"}, "config tag, item category and rule tag")
    f = feed(srv.url("/blog.xml"))
    t.eq((f[3], f[2], f[7]), (200, 0, '"v1"'), "status 200, no errors, ETag kept")
    t.eq(f[5], NOW + 1800, "next fetch after poll_interval")
    r = fetch()
    t.contains(r.stdout, "no feeds due", "nothing is due before the interval")
    r = fetch("--all")
    t.eq(srv.last("/blog.xml").headers.get("if-none-match"), '"v1"', "the stored ETag is sent")
    t.contains(r.stdout, "(1 unchanged)", "304 counts as unchanged")
    t.eq(c.sql("SELECT count(*), max(fetched_at) FROM posts")[0], (3, NOW), "304 stores nothing")

    # -- a server that ignores validators: the body hash skips the parse
    srv.update("/blog.xml", honour_validators=False)
    r = fetch("--all", now=NOW + 10)
    t.contains(r.stdout, "(1 unchanged)", "same body as before counts as unchanged")
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], 3, "and stores nothing")

    # -- a changed item is updated in place, never duplicated
    changed = [ITEMS[0], ("b", "Post two, corrected", "second, better"), ITEMS[2], ("d", "Post four", "fourth")]
    srv.set("/blog.xml", body=rss(changed), etag='"v2"', content_type="application/rss+xml")
    r = fetch("--all", now=NOW + 20)
    t.contains(r.stdout, "1 new post, 1 updated", "one new, one updated")
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], 4, "no duplicates")
    t.eq(c.sql("SELECT title FROM posts WHERE guid = 'https://team.example/b'"), [("Post two, corrected",)],
         "the changed post has its new title")
    t.eq(c.sql("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'corrected'")[0][0], 1,
         "search index follows the update")

    # -- permanent redirects move the feed; temporary ones do not
    srv.set("/new-home.xml", body=rss(ITEMS), content_type="application/rss+xml")
    srv.redirect("/moved.xml", "/moved-2.xml", 301)
    srv.redirect("/moved-2.xml", "/new-home.xml", 308)
    srv.redirect("/temp.xml", "/temp-2.xml", 301)
    srv.redirect("/temp-2.xml", "/new-home.xml", 302)
    c.run("feeds", "add", srv.url("/moved.xml"))
    c.run("feeds", "add", srv.url("/temp.xml"))
    fetch("--all", now=NOW + 30)
    t.ok(feed(srv.url("/moved.xml")) is None and feed(srv.url("/new-home.xml")) is not None,
         "301 then 308: the stored URL is the new one")
    t.ok(feed(srv.url("/temp.xml")) is not None, "301 then 302: the URL stays")
    t.eq(c.sql("SELECT count(*) FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE f.url = ?",
               (srv.url("/temp.xml"),))[0][0], 3, "posts arrive through a temporary redirect")

    # -- failures back off exponentially (interval 30m, cap 4h) and reset on success
    srv.set("/flaky.xml", status=500, body="oops")
    c.run("feeds", "add", srv.url("/flaky.xml"))
    delays = []
    now = NOW + 100
    for _ in range(5):
        fetch("--feed", srv.url("/flaky.xml"), now=now)
        f = feed(srv.url("/flaky.xml"))
        delays.append(f[5] - now)
        now = f[5]
    t.eq(delays, [1800, 3600, 7200, 14400, 14400], "backoff doubles per failure, capped at max_backoff")
    t.eq((f[2], f[3], f[4]), (5, 500, "HTTP 500 Internal Server Error"), "error count, status and error kept")
    t.eq(c.sql("SELECT failing_since FROM feeds WHERE url = ?", (srv.url("/flaky.xml"),))[0][0], NOW + 100,
         "failing since the first failure")
    r = c.run("feeds", "list")
    t.contains(r.stdout, "last error: HTTP 500 Internal Server Error", "feeds list shows the error")
    t.contains(r.stdout, "5 errors in a row", "and how many")
    srv.set("/flaky.xml", body=rss(ITEMS[:1]), content_type="application/rss+xml")
    fetch("--feed", srv.url("/flaky.xml"), now=now)
    f = feed(srv.url("/flaky.xml"))
    t.eq((f[2], f[4], f[5] - now), (0, "", 1800), "success resets the count and the interval")

    # -- Retry-After on 429 and 503
    srv.set("/busy.xml", status=429, retry_after="7200", body="slow down")
    srv.set("/down.xml", status=503, retry_after="600", body="maintenance")
    c.run("feeds", "add", srv.url("/busy.xml"))
    c.run("feeds", "add", srv.url("/down.xml"))
    fetch("--feed", srv.url("/busy.xml"), now=NOW + 200)
    fetch("--feed", srv.url("/down.xml"), now=NOW + 200)
    t.eq(feed(srv.url("/busy.xml"))[5] - (NOW + 200), 7200, "429 Retry-After 7200 waits 2 h")
    t.eq(feed(srv.url("/down.xml"))[5] - (NOW + 200), 1800, "a Retry-After shorter than the backoff keeps the backoff")
    t.contains(feed(srv.url("/busy.xml"))[4], "Retry-After", "the error mentions Retry-After")

    # -- 410 retires the feed; it is never due again
    srv.set("/retired.xml", status=410, body="gone")
    c.run("feeds", "add", srv.url("/retired.xml"))
    fetch("--feed", srv.url("/retired.xml"), now=NOW + 300)
    f = feed(srv.url("/retired.xml"))
    t.eq(f[6], 1, "410 marks the feed gone")
    r = fetch("--all", now=NOW + 10 ** 6)
    t.eq(len(srv.log("/retired.xml")), 1, "a gone feed is not fetched again")

    # -- failures with clear reasons; nothing lost, the run goes on
    srv.set("/slow.xml", mode="trickle", body=rss(ITEMS), trickle_bytes=1, trickle_interval=0.5)
    srv.set("/huge.xml", size=400 * 1024, content_type="application/rss+xml")
    srv.set("/page.html", body="<html><body><p>Our blog moved!</p></body></html>", content_type="text/html")
    srv.set("/zipped.xml", body=rss(ITEMS[:2], title="Zipped"), gzip=True, content_type="application/rss+xml")
    for p in ("/slow.xml", "/huge.xml", "/page.html", "/zipped.xml"):
        c.run("feeds", "add", srv.url(p))
    c.run("feeds", "add", "http://127.0.0.1:1/nothing-listens-here")
    r = fetch("--all", now=NOW + 400)
    t.eq(r.returncode, 0, "a run with failing feeds still exits 0")
    errs = dict((u, e) for u, e in c.sql("SELECT url, coalesce(last_error, '') FROM feeds"))
    t.contains(errs[srv.url("/slow.xml")], "timed out", "a slow body hits the timeout")
    t.contains(errs[srv.url("/huge.xml")], "larger than", "an oversized body is refused")
    t.contains(errs[srv.url("/page.html")], "not a feed", "an HTML page is not a feed")
    t.eq(errs[srv.url("/zipped.xml")], "", "a gzip body is decoded and stored")
    t.eq(c.sql("SELECT count(*) FROM posts p JOIN feeds f ON f.id = p.feed_id WHERE f.url = ?",
               (srv.url("/zipped.xml"),))[0][0], 2, "its posts are stored")
    t.ok(errs["http://127.0.0.1:1/nothing-listens-here"] != "", "an unreachable feed has an error")
    t.contains(r.stderr, "failed:", "fetch lists the failures")
    t.contains(r.stderr, srv.url("/huge.xml"), "naming each feed")
    t.eq(c.sql("PRAGMA integrity_check")[0][0], "ok", "the database is intact")

    # -- private addresses are refused unless allowed
    with Crier() as strict:
        strict.run("feeds", "add", srv.url("/blog.xml"))
        strict.run("fetch")
        err = strict.sql("SELECT last_error FROM feeds")[0][0] or ""
        t.contains(err, "private or loopback address", "the default refuses 127.0.0.1")
        t.eq(strict.sql("SELECT count(*) FROM posts")[0][0], 0, "and stores nothing from it")

    # -- output: one summary line off a terminal, a progress bar on one
    r = fetch("--all", now=NOW + 500)
    t.eq(len(r.stdout.strip().splitlines()), 1, "off a terminal: one summary line")
    t.ok(re.match(r"fetched \d+ feeds in [\d.]+s: \d+ ok \(\d+ unchanged\), \d+ failed; \d+ new posts?, \d+ updated",
                  r.stdout), "the summary line says it all", r.stdout)
    script = subprocess.run(["script", "-qec", f"{CRIER} -c {c.config_path} fetch --all", "/dev/null"],
                            capture_output=True, text=True, env=c.env({"CRIER_FAKE_NOW": str(NOW + 600)}))
    t.ok(re.search(r"\[#*\.*\] +\d+/\d+ feeds +\d+ new +\d+ errors?", script.stdout) and "\x1b[K" in script.stdout,
         "on a terminal: a progress bar", script.stdout[:300])

t.done()
