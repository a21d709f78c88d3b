"""Bad input at /micropub: oversized bodies, malformed JSON, multipart
without boundaries, wrong content types, missing fields, invalid dates,
huge Markdown, path tricks in mp-slug, hostile HTML.  Each gets a clear
4xx JSON error {error, error_description}, nothing partial is stored,
and the daemon keeps serving (also while bad requests run in parallel
with readers)."""

import json
import threading
import urllib.parse

from crierlib import stopped_cleanly
from micropublib import Client, base_url, headers_only, jpeg_bytes, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier(keys={"max_media_bytes": "2M"})
BASE = base_url(c)


def counts():
    return c.sql("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM media), "
                 "(SELECT count(*) FROM tags), (SELECT count(*) FROM outbox)")[0]


with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)
    start = counts()

    def refused(name, result, status):
        got, _, body = result
        t.eq(got, status, f"{name}: {status}")
        try:
            err = json.loads(body)
        except ValueError:
            err = None
        t.ok(isinstance(err, dict) and isinstance(err.get("error"), str)
             and isinstance(err.get("error_description"), str) and err["error_description"],
             f"{name}: a JSON error with a description", body[:300])

    form = "application/x-www-form-urlencoded"
    refused("a form body over 1 MiB", mp.post("content=" + "a" * (1024 * 1024 + 10), form), 413)
    refused("a JSON body over 1 MiB",
            mp.post('{"properties":{"content":["' + "a" * (1024 * 1024 + 10) + '"]}}', "application/json"), 413)
    status, body = headers_only(d, "/micropub", {"Authorization": f"Bearer {token}", "Content-Type": form},
                                3 * 1024 * 1024)
    refused("a body over max_media_bytes (answered before it is sent)", (status, {}, body), 413)
    refused("huge Markdown (600 KiB)", mp.form([("h", "entry"), ("content", "# big\n" + "word " * 120000)]), 413)
    refused("malformed JSON", mp.post('{"type": ["h-entry"], "properties": {', "application/json"), 400)
    refused("JSON that is not an object", mp.post('"just a string"', "application/json"), 400)
    refused("JSON with flat values", mp.json({"type": ["h-entry"], "properties": {"content": "flat"}}), 400)
    refused("JSON without properties", mp.json({"type": ["h-entry"]}), 400)
    refused("multipart without a boundary", mp.post(b"--x\r\n\r\n", "multipart/form-data"), 400)
    refused("multipart cut short",
            mp.post(b"--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhello", "multipart/form-data; boundary=b"),
            400)
    refused("a text/plain body", mp.post("content=hello", "text/plain"), 415)
    refused("no Content-Type", mp.post("content=hello", None), 415)
    refused("nothing to publish", mp.form([("h", "entry"), ("x-mood", "quiet")]), 400)
    refused("an empty body", mp.post("", form), 400)
    refused("an h-event", mp.form([("h", "event"), ("name", "Meetup")]), 400)
    refused("an invalid date (30 February)", mp.form([("content", "x"), ("published", "2026-02-30T10:00:00Z")]), 400)
    refused("an invalid date (words)", mp.form([("content", "x"), ("published", "next week")]), 400)
    refused("an invalid date (no time zone sign)", mp.form([("content", "x"), ("published", "2026-11-23T10:00:00 0100")]), 400)
    refused("post-status=secret", mp.form([("content", "x"), ("post-status", "secret")]), 400)
    for trick in ("../../etc/passwd", "a/b", "..", "..\\..\\windows", "%2e%2e%2f", "line\nbreak", "!!!"):
        refused(f"mp-slug {trick!r}", mp.form([("content", "x"), ("mp-slug", urllib.parse.unquote(trick))]), 400)
    refused("a NUL byte", mp.raw_form("content=a%00b"), 400)
    refused("invalid UTF-8", mp.raw_form("content=%C3%28"), 400)
    refused("a javascript: photo", mp.form([("content", "x"), ("photo", "javascript:alert(1)")]), 400)
    refused("a relative photo", mp.form([("content", "x"), ("photo", "/etc/passwd")]), 400)
    refused("51 categories", mp.form([("content", "x")] + [("category[]", f"c{i}") for i in range(51)]), 400)
    refused("an update sent as a form", mp.form([("action", "update"), ("url", BASE + "post/1"),
                                                  ("replace[content]", "x")]), 400)
    refused("an unknown action", mp.json({"action": "publish", "url": BASE + "post/1"}), 400)
    refused("an update without url", mp.json({"action": "update", "replace": {"content": ["x"]}}), 400)
    refused("a photo file that is an HTML page",
            mp.multipart([("content", "x")], [("photo", "a.jpg", "image/jpeg", b"<html>")]), 415)
    t.eq(counts(), start, "nothing at all was stored by any refused request")

    # hostile HTML is published sanitized, never as given
    status, h, _ = mp.form([("h", "entry"), ("name", "<script>alert(1)</script>Title"),
                            ("content[html]", '<p onclick="x()">Hi<script>alert(2)</script>'
                                              '<img src="javascript:alert(3)"><a href="javascript:alert(4)">l</a></p>')])
    t.eq(status, 201, "hostile HTML is accepted as content")
    status, page = mp.page(h.get("location", ""))
    for bad in ("<script", "onclick", "javascript:"):
        t.not_contains(page, bad, f"the page has no {bad}")
    props = mp.source(h.get("location", ""))["properties"]
    t.contains(props["content"][0]["html"], "<script>", "q=source keeps the exact source for editing")

    # a valid slug with spaces and capitals is made safe
    status, h, _ = mp.form([("content", "x"), ("mp-slug", "My Weeknote 47")])
    t.ok(h.get("location", "").endswith("-my-weeknote-47"), "mp-slug is slugified", h.get("location"))

    # bad requests in parallel with readers: the river keeps answering
    errors, river = [], []

    def bad_client():
        for i in range(20):
            s, _, _ = mp.post('{"broken', "application/json")
            if s != 400:
                errors.append(s)

    def reader():
        for i in range(20):
            river.append(d.get("/")[0])

    threads = [threading.Thread(target=bad_client) for _ in range(3)] + [threading.Thread(target=reader)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t.eq(errors, [], "60 parallel malformed requests all got 400")
    t.eq(set(river), {200}, "the river answered 200 throughout")
    t.eq(d.get("/healthz")[0], 200, "the daemon still serves")
    status, _, _ = mp.multipart([("content", "still works")], [("photo", "ok.jpg", "image/jpeg", jpeg_bytes())])
    t.eq(status, 201, "and still publishes")

t.done()
