"""micropub.rocks server tests 500-503 (delete and undelete, form and
JSON) against the real daemon, and drafts: a deleted post or a draft
appears in no page and no feed (river, team, tag, week, search, the post
page, and every feed of each), and an undeleted one is back everywhere."""

import time
import urllib.parse

from crierlib import stopped_cleanly
from micropublib import Client, base_url, error_of, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
WEEK = time.strftime("%G-W%V", time.gmtime())

with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    def places(tag):
        lists = ["/", "/team/web", f"/tag/{tag}", f"/week/{WEEK}"]
        feeds = ["/feed"] + lists[1:]
        return lists + [f + ext for f in feeds for ext in (".atom", ".rss", ".json")]

    def shown(word, tag, loc):
        """Where a post with `word` shows: every list, feed and search, and its own page."""
        where = [p for p in places(tag) if word in d.get(p)[2].decode()]
        if f"<mark>{word}</mark>" in d.get(f"/search?q={word}")[2].decode():     # a result, not the query
            where.append("/search")
        if d.get(urllib.parse.urlsplit(loc).path)[0] == 200:
            where.append("page")
        return where

    everywhere = len(places("x")) + 2     # every list and feed, search, the page

    def create_form(num, word, tag):
        status, h, _ = mp.form([("h", "entry"), ("content", f"This post will be deleted {word}"),
                                ("category", tag)])
        t.eq(status, 201, f"{num}: created (201)")
        return h.get("location", "")

    def create_json(num, word, tag):
        status, h, _ = mp.json({"type": ["h-entry"], "properties": {
            "content": [f"This post will be deleted {word}"], "category": [tag]}})
        t.eq(status, 201, f"{num}: created (201)")
        return h.get("location", "")

    def action(num, what, loc, as_json):
        if as_json:
            status, _, body = mp.json({"action": what, "url": loc})
        else:
            status, _, body = mp.form([("action", what), ("url", loc)])
        t.ok(status in (200, 201, 204), f"{num}: {what} answers 200, 201 or 204", (status, body))

    # 500: delete (form)
    loc = create_form(500, "alphaword", "five-hundred")
    t.eq(len(shown("alphaword", "five-hundred", loc)), everywhere, "500: the new post shows everywhere")
    action(500, "delete", loc, False)
    t.eq(shown("alphaword", "five-hundred", loc), [], "500: the deleted post shows nowhere")

    # 501: delete (JSON)
    loc = create_json(501, "betaword", "five-oh-one")
    action(501, "delete", loc, True)
    t.eq(shown("betaword", "five-oh-one", loc), [], "501: the deleted post shows nowhere")

    # 502: delete then undelete (form)
    loc = create_form(502, "gammaword", "five-oh-two")
    action(502, "delete", loc, False)
    t.eq(shown("gammaword", "five-oh-two", loc), [], "502: deleted, it shows nowhere")
    action(502, "undelete", loc, False)
    t.eq(len(shown("gammaword", "five-oh-two", loc)), everywhere, "502: undeleted, it is back everywhere")

    # 503: delete then undelete (JSON)
    loc = create_json(503, "deltaword", "five-oh-three")
    action(503, "delete", loc, True)
    action(503, "undelete", loc, True)
    t.eq(len(shown("deltaword", "five-oh-three", loc)), everywhere, "503: undeleted, it is back everywhere")

    # deleting twice and undeleting a live post change nothing
    action("again", "delete", loc, True)
    action("again", "delete", loc, True)
    t.eq(shown("deltaword", "five-oh-three", loc), [], "deleting twice: still deleted")
    action("again", "undelete", loc, True)
    action("again", "undelete", loc, True)
    t.eq(len(shown("deltaword", "five-oh-three", loc)), everywhere, "undeleting twice: still there")

    # updates of a deleted post are refused
    action("upd", "delete", loc, True)
    status, _, body = mp.json({"action": "update", "url": loc, "replace": {"content": ["resurrected"]}})
    t.eq(status, 400, "an update of a deleted post: 400")
    t.eq(shown("deltaword", "five-oh-three", loc), [], "and it stays deleted")

    # drafts: stored, visible to q=source, shown nowhere; published later they appear
    status, h, _ = mp.form([("h", "entry"), ("content", "A draft epsilonword"), ("category", "drafty"),
                            ("post-status", "draft")])
    t.eq(status, 201, "a draft is created (201)")
    draft = h.get("location", "")
    t.eq(shown("epsilonword", "drafty", draft), [], "the draft shows nowhere")
    t.eq(mp.source(draft)["properties"].get("post-status"), ["draft"], "q=source shows the draft")
    t.eq(c.sql("SELECT status FROM posts WHERE content_html LIKE '%epsilonword%'"), [("draft",)],
         "the draft is stored as a draft")
    action("draft", "delete", draft, False)
    action("draft", "undelete", draft, False)
    t.eq(shown("epsilonword", "drafty", draft), [], "an undeleted draft is still a draft")
    status, _, _ = mp.json({"action": "update", "url": draft, "replace": {"post-status": ["published"]}})
    t.eq(len(shown("epsilonword", "drafty", draft)), everywhere, "published, the draft shows everywhere")

    # refused: no url, another site's url, no such post
    status, _, body = mp.form([("action", "delete")])
    t.eq(status, 400, "delete without url: 400")
    status, _, body = mp.form([("action", "delete"), ("url", BASE + "post/424242")])
    t.eq(status, 400, "delete of a post that does not exist: 400")
    t.eq(error_of(body), "invalid_request", "with invalid_request")
    status, _, body = mp.form([("action", "explode"), ("url", loc)])
    t.eq(status, 400, "an unknown action: 400")

t.done()
