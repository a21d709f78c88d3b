"""micropub.rocks server tests 100-107 (creating posts, form-encoded)
against the real daemon, checked through the post pages, the team page
and q=source.  100, 101, 104 and 107 are the issue's; 102, 103 and 105
(array offsets, content[html], photo[value]/photo[alt]) come along."""

import re

from crierlib import stopped_cleanly
from micropublib import Client, base_url, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
SUNSET = "https://micropub.rocks/media/sunset.jpg"

with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    def create(num, pairs):
        status, h, body = mp.form(pairs)
        t.eq(status, 201, f"{num}: 201 Created")
        loc = h.get("location", "")
        t.ok(loc.startswith(BASE + "post/"), f"{num}: absolute Location under base_url", loc)
        return loc

    # 100: a basic h-entry
    loc = create(100, [("h", "entry"), ("content", "Micropub test of creating a basic h-entry")])
    status, page = mp.page(loc)
    t.eq(status, 200, "100: the post page exists")
    t.contains(page, "Micropub test of creating a basic h-entry", "100: the page shows the content")
    status, _, team = d.get("/team/web")
    t.contains(team.decode(), "Micropub test of creating a basic h-entry", "100: on the team page")
    status, _, river = d.get("/")
    t.contains(river.decode(), "Micropub test of creating a basic h-entry", "100: in the river")
    t.eq(mp.source(loc)["properties"], {"content": ["Micropub test of creating a basic h-entry"]},
         "100: q=source gives back what was sent")

    # 101: two categories with category[]
    loc = create(101, [("h", "entry"),
                       ("content", "Micropub test of creating an h-entry with categories. This post "
                                   "should have two categories, test1 and test2"),
                       ("category[]", "test1"), ("category[]", "test2")])
    status, page = mp.page(loc)
    t.contains(page, 'href="/tag/test1"', "101: the page links tag test1")
    t.contains(page, 'href="/tag/test2"', "101: the page links tag test2")
    t.eq(mp.source(loc)["properties"]["category"], ["test1", "test2"], "101: both categories kept")
    status, _, tagpage = d.get("/tag/test2")
    t.contains(tagpage.decode(), "two categories, test1 and test2", "101: the post is on /tag/test2")

    # 102: category[0], category[1]
    loc = create(102, [("h", "entry"), ("content", "offsets"), ("category[0]", "test1"),
                       ("category[1]", "test2")])
    t.eq(mp.source(loc)["properties"]["category"], ["test1", "test2"], "102: both categories kept")

    # 103: content[html] is rendered, not escaped
    loc = create(103, [("h", "entry"),
                       ("content[html]", "<p>This post has <b>bold</b> and <i>italic</i> text.</p>")])
    status, page = mp.page(loc)
    t.contains(page, "<b>bold</b>", "103: bold is HTML on the page")
    t.contains(page, "<i>italic</i>", "103: italic is HTML on the page")
    t.not_contains(page, "&lt;b&gt;", "103: not escaped")
    t.eq(mp.source(loc)["properties"]["content"],
         [{"html": "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}],
         "103: q=source gives the HTML back as {html}")

    # 104: a photo by URL
    loc = create(104, [("h", "entry"), ("content", "Micropub test of creating a photo referenced by URL"),
                       ("photo", SUNSET)])
    status, page = mp.page(loc)
    t.contains(page, f'src="{SUNSET}"', "104: the page shows the photo")
    t.eq(mp.source(loc)["properties"]["photo"], [SUNSET], "104: photo kept")

    # 105: photo with alt text
    loc = create(105, [("h", "entry"), ("content", "Micropub test of creating a photo referenced by URL"),
                       ("photo[value]", SUNSET), ("photo[alt]", "Photo of a sunset")])
    status, page = mp.page(loc)
    t.contains(page, f'src="{SUNSET}"', "105: the page shows the photo")
    t.contains(page, 'alt="Photo of a sunset"', "105: with its alt text")
    t.eq(mp.source(loc)["properties"]["photo"], [{"value": SUNSET, "alt": "Photo of a sunset"}],
         "105: q=source keeps {value, alt}")

    # 107: one category without []
    loc = create(107, [("h", "entry"),
                       ("content", "Micropub test of creating an h-entry with one category. This post "
                                   "should have one category, test1"),
                       ("category", "test1")])
    status, page = mp.page(loc)
    t.contains(page, 'href="/tag/test1"', "107: the page links tag test1")
    t.not_contains(page, 'href="/tag/test2"', "107: and no other")
    t.eq(mp.source(loc)["properties"]["category"], ["test1"], "107: one category kept")

    # beyond the suite: name, summary, published, mp-slug, unknown properties
    loc = create("name", [("h", "entry"), ("name", "Weeknotes 47"), ("content", "Forms, forms, *forms*."),
                          ("summary", "A week of forms"), ("published", "2026-11-20T09:30:00+01:00"),
                          ("mp-slug", "week-47"), ("x-mood", "tired"), ("mp-syndicate-to", "none")])
    t.ok(re.search(r"/post/\d+-week-47$", loc), "mp-slug names the permalink", loc)
    status, page = mp.page(loc)
    t.contains(page, "Weeknotes 47", "name is the title")
    t.contains(page, "<em>forms</em>", "content is Markdown")
    t.contains(page, 'datetime="2026-11-20T08:30:00Z"', "published (+01:00) is kept, in UTC")
    props = mp.source(loc)["properties"]
    t.eq(props.get("x-mood"), ["tired"], "unknown properties are kept for q=source")
    t.ok("mp-slug" not in props and "mp-syndicate-to" not in props, "mp-* commands are not properties")
    status, _, week = d.get("/week/2026-W47")
    t.contains(week.decode(), "Weeknotes 47", "the post is in its week (2026-W47)")
    t.eq(c.sql("SELECT count(*) FROM posts WHERE kind = 'local' AND team_id IS NOT NULL")[0][0], 8,
         "eight posts, all the team's")

t.done()
