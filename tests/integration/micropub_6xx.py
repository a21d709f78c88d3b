"""micropub.rocks server tests 600-603 (queries) against the real daemon:
q=config, q=syndicate-to, q=source (all properties, and properties[]),
and q=category; queries need a token and answer only for the team's
own posts."""

from crierlib import stopped_cleanly
from micropublib import Client, base_url, new_token, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
c.run("team", "add", "data", "--name", "Data team")
other = new_token(c, "data", "create,update")

with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    # 600: q=config
    status, h, cfg = mp.query({"q": "config"})
    t.eq(status, 200, "600: q=config answers 200")
    t.ok(h.get("content-type", "").startswith("application/json"), "600: as JSON")
    t.ok(isinstance(cfg, dict), "600: a JSON object", cfg)
    t.eq(cfg.get("media-endpoint"), BASE + "micropub/media", "600: media-endpoint is an absolute URL")
    t.eq(cfg.get("syndicate-to"), [], "600: syndicate-to is []")
    t.eq(h.get("cache-control"), "private, no-store", "600: not cached by proxies")

    # 601: q=syndicate-to
    status, _, data = mp.query({"q": "syndicate-to"})
    t.eq(status, 200, "601: q=syndicate-to answers 200")
    t.eq(data, {"syndicate-to": []}, "601: an empty list")

    # 602 and 603: q=source
    status, h, _ = mp.json({"type": ["h-entry"], "properties": {
        "content": ["Test of querying the endpoint for the source content"],
        "category": ["micropub", "test"], "name": ["Source test"]}})
    t.eq(status, 201, "602: the post is created")
    loc = h.get("location", "")
    status, _, data = mp.query({"q": "source", "url": loc})
    t.eq(status, 200, "602: q=source answers 200")
    t.eq(data, {"type": ["h-entry"], "properties": {
        "content": ["Test of querying the endpoint for the source content"],
        "category": ["micropub", "test"], "name": ["Source test"]}},
        "602: type and every property, as sent")
    status, _, data = mp.query([("q", "source"), ("properties[]", "content"), ("properties[]", "category"),
                                ("url", loc)])
    t.eq(status, 200, "603: q=source with properties[] answers 200")
    t.eq(data, {"properties": {"content": ["Test of querying the endpoint for the source content"],
                               "category": ["micropub", "test"]}},
         "603: only the properties asked for (and no type)")
    status, _, data = mp.query([("q", "source"), ("properties", "name"), ("url", loc)])
    t.eq(data, {"properties": {"name": ["Source test"]}}, "603: one property without []")
    status, _, data = mp.query([("q", "source"), ("properties[]", "nope"), ("url", loc)])
    t.eq(data, {"properties": {}}, "603: an absent property is left out")

    # Markdown source comes back exactly (not the HTML it became)
    md = "# Heading\n\n* one\n* two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    status, h, _ = mp.form([("h", "entry"), ("content", md)])
    t.eq(mp.source(h.get("location", ""))["properties"]["content"], [md], "Markdown comes back byte for byte")
    status, page = mp.page(h.get("location", ""))
    t.contains(page, "<table>", "and was rendered as GitHub-flavoured Markdown")

    # q=category: the team's categories, optionally filtered
    status, _, data = mp.query({"q": "category"})
    t.eq(status, 200, "q=category answers 200")
    t.eq(sorted(data.get("categories", [])), ["micropub", "test"], "q=category lists the team's categories")
    status, _, data = mp.query({"q": "category", "filter": "MICRO"})
    t.eq(data, {"categories": ["micropub"]}, "q=category&filter= filters, ignoring case")

    # refused queries
    status, _, data = mp.query({"q": "config"}, token=None)
    t.eq(status, 401, "q=config without a token: 401")
    t.eq(data.get("error"), "unauthorized", "with unauthorized")
    status, _, data = mp.query({"q": "nonsense"})
    t.eq(status, 400, "an unknown query: 400")
    status, _, data = mp.query({})
    t.eq(status, 400, "no query: 400")
    status, _, data = mp.query({"q": "source"})
    t.eq(status, 400, "q=source without url: 400")
    status, _, data = mp.query({"q": "source", "url": BASE + "post/98765"})
    t.eq(status, 400, "q=source of a post that does not exist: 400")
    status, _, data = mp.query({"q": "source", "url": loc}, token=other)
    t.eq(status, 403, "q=source of another team's post: 403")
    t.eq(data.get("error"), "forbidden", "with forbidden")
    status, _, body = d.request("PUT", "/micropub", {"Authorization": f"Bearer {token}"}, b"x")
    t.eq(status, 405, "PUT /micropub: 405")
    status, _, body = d.request("GET", "/micropub/media", {"Authorization": f"Bearer {token}"})
    t.eq(status, 405, "GET /micropub/media: 405")

    # discovery: team pages carry rel="micropub", in the document and the Link header
    status, h, page = d.get("/team/web")
    page = page.decode()
    t.contains(page, f'<link rel="micropub" href="{BASE}micropub">', "the team page links the endpoint")
    t.contains(h.get("link", ""), f'<{BASE}micropub>; rel="micropub"', "and so does its Link header")
    status, h, _ = d.get("/team/web")
    t.contains(h.get("link", ""), 'rel="micropub"', "the cached page keeps the Link header")

t.done()
