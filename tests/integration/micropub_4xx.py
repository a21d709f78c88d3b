"""micropub.rocks server tests 400-405 (updates) against the real
daemon: replace, add, delete a value, delete a property, and an invalid
update refused, each checked through the post page, q=source and the
team feed (whose entry's updated time moves)."""

import os
import re
import shutil
import tempfile
import time
import urllib.parse

from crierlib import stopped_cleanly
from micropublib import Client, base_url, error_of, new_token, publishing_crier
from tap import TAP

t = TAP()
seed = tempfile.mkdtemp(prefix="crier-seed-")
with open(os.path.join(seed, "intro.md"), "w") as f:
    f.write("---\ntitle: Hello from the seed\ntags: intro, seeds\ndate: 2026-11-16T09:00:00Z\n---\n"
            "Published *without* Micropub.\n")
c, token = publishing_crier(config=f"[team platform]\nname = Platform\nseed = {seed}\n", team="web")
BASE = base_url(c)
platform = new_token(c, "platform", "update")

with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    def create(num, properties):
        status, h, _ = mp.json({"type": ["h-entry"], "properties": properties})
        t.eq(status, 201, f"{num}: the post is created (201)")
        return h.get("location", "")

    def update(num, url, **ops):
        body = {"action": "update", "url": url}
        body.update(ops)
        status, h, resp = mp.json(body)
        t.ok(status in (200, 204) or (status == 201 and h.get("location")),
             f"{num}: the update answers 200, 204 or 201 with Location", (status, resp))
        return status, h

    def tags_on_page(url):
        return sorted(re.findall(r'href="/tag/([^"]+)"', mp.page(url)[1]))

    # 400: replace content; the feed's updated time moves
    loc = create(400, {"content": ["Micropub update test. This text should be replaced if the test succeeds."]})
    _, _, atom = d.get("/team/web.atom")
    before = re.findall(r"<updated>([^<]+)</updated>", atom.decode())
    time.sleep(1.1)
    update(400, loc, replace={"content": ["This is the updated text. If you can see this you passed the test!"]})
    status, page = mp.page(loc)
    t.contains(page, "If you can see this you passed the test!", "400: the page shows the new text")
    t.not_contains(page, "should be replaced", "400: and not the old one")
    t.eq(mp.source(loc)["properties"]["content"],
         ["This is the updated text. If you can see this you passed the test!"], "400: q=source has the new text")
    _, _, atom = d.get("/team/web.atom")
    after = re.findall(r"<updated>([^<]+)</updated>", atom.decode())
    t.ok(len(after) == 2 and len(before) == 2 and after[1] > before[1],
         "400: the feed entry's <updated> moved", (before, after))
    t.contains(atom.decode(), "If you can see this you passed the test!", "400: the feed has the new text")

    # 401: add a value to an existing property
    loc = create(401, {"content": ["Micropub update test for adding a category. After you run the update, "
                                   "this post should have two categories: test1 and test2."],
                       "category": ["test1"]})
    update(401, loc, add={"category": ["test2"]})
    t.eq(tags_on_page(loc), ["test1", "test2"], "401: the page has both categories")
    t.eq(mp.source(loc)["properties"]["category"], ["test1", "test2"], "401: q=source has both")

    # 402: add a property the post did not have
    loc = create(402, {"content": ["This test adds a category property to a post that previously had no "
                                   "category. After you run the update, this post should have the "
                                   "category test1."]})
    update(402, loc, add={"category": ["test1"]})
    t.eq(tags_on_page(loc), ["test1"], "402: the page has the category")

    # 403: delete one value
    loc = create(403, {"content": ["This test deletes a category from the post. After you run the update, "
                                   "this post should have only the category test1."],
                       "category": ["test1", "test2"]})
    update(403, loc, delete={"category": ["test2"]})
    t.eq(tags_on_page(loc), ["test1"], "403: only test1 is left on the page")
    t.eq(mp.source(loc)["properties"]["category"], ["test1"], "403: and in q=source")
    _, _, tagpage = d.get("/tag/test2")
    t.not_contains(tagpage.decode(), "deletes a category", "403: the post left /tag/test2")

    # 404: delete the whole property
    loc = create(404, {"content": ["This test removes the category propety from the post. After you run "
                                   "the update, this post should have no categories."],
                       "category": ["test1", "test2"]})
    update(404, loc, delete=["category"])
    t.eq(tags_on_page(loc), [], "404: the page has no categories")
    t.ok("category" not in mp.source(loc)["properties"], "404: q=source has no category")

    # 405: an invalid update is refused and changes nothing
    loc = create(405, {"content": ["Micropub update test #405."]})
    status, _, body = mp.json({"action": "update", "url": loc, "replace": "This is not a valid update request."})
    t.eq(status, 400, "405: the invalid update is refused with 400")
    t.eq(error_of(body), "invalid_request", "405: error invalid_request")
    t.eq(mp.source(loc)["properties"]["content"], ["Micropub update test #405."], "405: the post is unchanged")

    # beyond the suite: a new mp-slug moves the post (201 + Location, old URL redirects)
    loc = create("slug", {"name": ["First name"], "content": ["slugs"]})
    status, h = update("slug", loc, replace={"mp-slug": ["renamed"]})
    t.eq(status, 201, "a new slug: 201")
    newloc = h.get("location", "")
    t.ok(newloc.endswith("-renamed"), "Location is the new permalink", newloc)
    status, rh, _ = d.get(urllib.parse.urlsplit(loc).path)
    t.eq(status, 301, "the old permalink redirects")
    t.eq(mp.source(newloc)["properties"].get("name"), ["First name"], "q=source answers on the new URL")

    # replace name, published and post-status together; the draft leaves the feeds
    status, _ = update("draft", newloc, replace={"name": ["Second name"], "post-status": ["draft"],
                                                  "published": ["2026-11-02T12:00:00Z"]})
    t.eq(d.get(urllib.parse.urlsplit(newloc).path)[0], 404, "an update to draft hides the post")
    t.not_contains(d.get("/team/web.atom")[2].decode(), "Second name", "and it is not in the feed")
    update("publish", newloc, replace={"post-status": ["published"]})
    status, page = mp.page(newloc)
    t.eq(status, 200, "published again: the page is back")
    t.contains(page, "Second name", "with the new name")
    t.contains(page, 'datetime="2026-11-02T12:00:00Z"', "and the new published date")

    # a post published without Micropub (a seed file) has a q=source made from the post,
    # and Micropub updates it like any other
    seeded = c.sql("SELECT id, slug FROM posts WHERE title = 'Hello from the seed'")
    t.eq(len(seeded), 1, "the seed file was published at start")
    surl = f"{BASE}post/{seeded[0][0]}-{seeded[0][1]}"
    sp = Client(d, platform)
    status, _, data = sp.query({"q": "source", "url": surl})
    t.eq(data, {"type": ["h-entry"], "properties": {
        "name": ["Hello from the seed"], "content": ["Published *without* Micropub.\n"],
        "category": ["intro", "seeds"], "published": ["2026-11-16T09:00:00Z"]}},
        "q=source of a seed post: its title, Markdown, tags and date")
    status, _, body = sp.json({"action": "update", "url": surl, "add": {"category": ["updated"]}})
    t.eq(status, 204, "a Micropub update of the seed post: 204")
    status, page = sp.page(surl)
    t.eq(sorted(re.findall(r'href="/tag/([^"]+)"', page)), ["intro", "seeds", "updated"],
         "it keeps its tags and gains the new one")
    t.contains(page, "Published <em>without</em> Micropub.", "and its Markdown")
    t.contains(page, 'datetime="2026-11-16T09:00:00Z"', "and its date")

    # refused updates
    status, _, body = mp.json({"action": "update", "url": BASE + "tag/test1", "replace": {"content": ["x"]}})
    t.eq(status, 400, "an update of a URL that is no post: 400")
    status, _, body = mp.json({"action": "update", "url": BASE + "post/99999", "replace": {"content": ["x"]}})
    t.eq(status, 400, "an update of a post that does not exist: 400")
    status, _, body = mp.json({"action": "update", "url": "https://elsewhere.example/post/1",
                               "replace": {"content": ["x"]}})
    t.eq(status, 400, "an update of another site's post: 400")
    status, _, body = mp.json({"action": "update", "url": newloc, "replace": {"published": ["soon"]}})
    t.eq(status, 400, "an update with a bad date: 400")
    status, _, body = mp.json({"action": "update", "url": newloc, "delete": ["content", "name"]})
    t.eq(status, 400, "an update that leaves nothing to show: 400")
    t.contains(mp.page(newloc)[1], "Second name", "refused updates changed nothing")

shutil.rmtree(seed, ignore_errors=True)
t.done()
