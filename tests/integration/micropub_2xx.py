"""micropub.rocks server tests 200-206 (creating posts, JSON) against the
real daemon, checked through the post pages and q=source."""

from crierlib import stopped_cleanly
from micropublib import Client, base_url, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
SUNSET = "https://micropub.rocks/media/sunset.jpg"
CITY = "https://micropub.rocks/media/city-at-night.jpg"

with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    def create(num, properties):
        status, h, body = mp.json({"type": ["h-entry"], "properties": properties})
        t.eq(status, 201, f"{num}: 201 Created")
        loc = h.get("location", "")
        t.ok(loc.startswith(BASE + "post/"), f"{num}: absolute Location under base_url", loc)
        return loc

    # 200: a basic h-entry
    text = "Micropub test of creating an h-entry with a JSON request"
    loc = create(200, {"content": [text]})
    status, page = mp.page(loc)
    t.eq(status, 200, "200: the post page exists")
    t.contains(page, text, "200: the page shows the content")
    t.eq(mp.source(loc), {"type": ["h-entry"], "properties": {"content": [text]}},
         "200: q=source gives back type and properties")

    # 201: categories
    loc = create(201, {"content": ["Micropub test of creating an h-entry with a JSON request containing "
                                   "multiple categories. This post should have two categories, test1 "
                                   "and test2."], "category": ["test1", "test2"]})
    status, page = mp.page(loc)
    t.contains(page, 'href="/tag/test1"', "201: the page links tag test1")
    t.contains(page, 'href="/tag/test2"', "201: the page links tag test2")

    # 202: HTML content
    loc = create(202, {"content": [{"html": "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}]})
    status, page = mp.page(loc)
    t.contains(page, "<b>bold</b>", "202: bold is HTML on the page")
    t.contains(page, "<i>italic</i>", "202: italic is HTML on the page")
    t.eq(mp.source(loc)["properties"]["content"],
         [{"html": "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}],
         "202: q=source gives the exact HTML source back")

    # 203: a photo by URL
    loc = create(203, {"content": ["Micropub test of creating a photo referenced by URL. This post should "
                                   "include a photo of a sunset."], "photo": [SUNSET]})
    status, page = mp.page(loc)
    t.contains(page, f'src="{SUNSET}"', "203: the page shows the photo")

    # 204: a nested microformats object is stored
    nested = [{"type": ["h-measure"], "properties": {"num": ["70.64"], "unit": ["kg"]}}]
    loc = create(204, {"summary": ["Weighed 70.64 kg"], "x-weight": nested})
    props = mp.source(loc)["properties"]
    t.eq(props.get("x-weight"), nested, "204: the nested object is stored as sent")
    t.eq(props.get("summary"), ["Weighed 70.64 kg"], "204: with the summary")
    status, page = mp.page(loc)
    t.contains(page, "Weighed 70.64 kg", "204: the summary is on the page")

    # 205: photo with alt text
    loc = create(205, {"content": ["Micropub test of creating a photo referenced by URL with alt text. This "
                                   "post should include a photo of a sunset."],
                       "photo": [{"value": SUNSET, "alt": "Photo of a sunset"}]})
    status, page = mp.page(loc)
    t.contains(page, f'src="{SUNSET}"', "205: the page shows the photo")
    t.contains(page, 'alt="Photo of a sunset"', "205: with its alt text")
    t.eq(mp.source(loc)["properties"]["photo"], [{"value": SUNSET, "alt": "Photo of a sunset"}],
         "205: photo and alt stored")

    # 206: two photos
    loc = create(206, {"content": ["Micropub test of creating multiple photos referenced by URL. This post "
                                   "should include a photo of a city at night."], "photo": [SUNSET, CITY]})
    status, page = mp.page(loc)
    t.contains(page, f'src="{SUNSET}"', "206: the page shows the first photo")
    t.contains(page, f'src="{CITY}"', "206: and the second")

    # beyond the suite: mp-* in JSON properties, drafts, {value} content as text
    loc = create("json-extras", {"name": ["JSON extras"], "content": [{"value": "plain <b>text</b>"}],
                                 "mp-slug": ["json-extras"], "post-status": ["published"]})
    t.ok(loc.endswith("-json-extras"), "mp-slug in JSON properties names the permalink", loc)
    status, page = mp.page(loc)
    t.contains(page, "plain &lt;b&gt;text&lt;/b&gt;", "{value} content is text, escaped")
    t.ok("mp-slug" not in mp.source(loc)["properties"], "mp-slug is not kept as a property")

t.done()
