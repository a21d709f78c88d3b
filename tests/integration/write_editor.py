"""The web editor over real HTTP with a real store: CSRF (refused, and
nothing changes), the preview (sanitized HTML, nothing saved), field
errors and limits, draft -> publish (drafts appear nowhere public),
editing (the change shows and `updated` moves in the feed), dates,
unpublishing, delete with a confirmation step (gone everywhere),
another team's post (403), and an admin writing for any team."""

import json
import re
import time

from crierlib import Crier, stopped_cleanly
from tap import TAP
from writelib import Browser, add_user, header

t = TAP()
PW = "correct horse battery"
c = Crier(config="""
[team web]
name = Web team

[team data]
name = Data team
""")
add_user(c, "ana", "web", PW)
add_user(c, "dan", "data", PW)
add_user(c, "root", None, PW, admin=True)


def count_posts():
    return c.sql("SELECT count(*) FROM posts")[0][0]


def public_pages(d, slug_path):
    """Every public place a web team post can show up, as one string."""
    out = []
    for path in ("/", "/feed.atom", "/feed.rss", "/feed.json", "/team/web", "/team/web.atom",
                 "/team/web.rss", "/team/web.json", "/tag/forms", "/tag/forms.atom",
                 "/week/2026-W47", "/week/2026-W47.atom", "/search?q=gridlock", slug_path):
        status, _, body = d.get(path)
        out.append(f"== {path} {status}\n" + body.decode("utf-8", "replace"))
    return "\n".join(out)


d = c.serve()
with stopped_cleanly(t, d, "write daemon"):
    ana = Browser(d)
    t.eq(ana.login("ana", PW)[0], 303, "ana signs in")
    page, csrf = ana.form("/write/new")
    for field, label in (("title", "Title"), ("tags", "Tags (optional)"), ("date", "Date (optional)"),
                         ("markdown", "Weeknote")):
        t.contains(page, f'<label for="{field}">{label}</label>', f"the {field} field has a label")
        t.contains(page, f'id="{field}" name="{field}"', f"the {field} control has its id")
    for action in ("preview", "draft", "publish"):
        t.contains(page, f'name="action" value="{action}"', f"a {action} button")
    t.contains(page, "Writing for <strong>Web team</strong>.", "the editor names the team")
    t.not_contains(page, '<select id="team"', "a team member does not pick a team")
    status, h, body = d.request("HEAD", "/write/new", headers={"Cookie": ana.cookie_header("/write")})
    t.eq((status, body), (200, b""), "HEAD /write/new is 200 with no body")

    weeknote = {
        "title": "Weeknotes 47: Gridlock forms",
        "tags": "weeknotes, Forms",
        "date": "",
        "markdown": "We fixed the **gridlock** in the forms.\r\n\r\n| Task | Owner |\r\n|---|---|\r\n"
                    "| Audit | Ana |\r\n\r\n~~Paper~~ online\r\n\r\n- [x] ship\r\n- [ ] measure\r\n\r\n"
                    "See https://www.gov.uk/service-manual\r\n",
    }

    # -- CSRF: refused, nothing stored
    status, _, page = ana.post("/write/new", dict(weeknote, action="publish"))
    t.eq(status, 403, "publishing without a CSRF token is 403")
    t.contains(page, "Nothing was changed", "and says nothing changed")
    status, _, _ = ana.post("/write/new", dict(weeknote, action="publish", csrf="A" * 43))
    t.eq(status, 403, "publishing with a wrong CSRF token is 403")
    status, _, _ = ana.post("/write/new", dict(weeknote, action="publish", csrf=csrf[:-1]))
    t.eq(status, 403, "a token one character short is 403")
    dan = Browser(d)
    dan.login("dan", PW)
    _, dan_csrf = dan.form("/write/new")
    status, _, _ = ana.post("/write/new", dict(weeknote, action="publish", csrf=dan_csrf))
    t.eq(status, 403, "another session's token is 403")
    t.eq(count_posts(), 0, "nothing was stored")

    # -- preview: sanitized HTML, nothing saved
    evil = dict(weeknote, markdown=weeknote["markdown"] +
                "\n<script>alert('owned')</script>\n<img src=x onerror=alert(1)>\n"
                "[click](javascript:alert(2))\n<SCRIPT SRC=//evil.example/x.js></SCRIPT>\n",
                action="preview", csrf=csrf)
    status, h, page = ana.post("/write/new", evil)
    t.eq(status, 200, "a preview is 200")
    t.eq(header(h, "cache-control"), "private, no-store", "a preview is private")
    preview = page[page.find('id="preview-heading"'):]
    t.contains(preview, "<strong>gridlock</strong>", "preview renders Markdown")
    t.contains(preview, "<td>Audit</td>", "preview renders tables")
    t.contains(preview, "<del>Paper</del>", "preview renders strikethrough")
    t.contains(preview, "\u2611 ship", "a done task shows as a ticked box")
    t.contains(preview, "\u2610 measure", "a task to do shows as an empty box")
    t.contains(preview, '<a href="https://www.gov.uk/service-manual"', "bare URLs become links")
    t.not_contains(page.lower(), "<script", "no <script> comes back anywhere on the page")
    t.not_contains(preview, "onerror", "no event handlers in the preview")
    t.not_contains(preview, "href=\"javascript:", "no javascript: links in the preview")
    t.contains(page, "&lt;script&gt;alert(", "the textarea keeps the source, escaped")
    t.contains(page, 'value="Weeknotes 47: Gridlock forms"', "the title is kept")
    t.eq(count_posts(), 0, "a preview saves nothing")
    status, _, page = ana.post("/write/new", {"csrf": csrf, "markdown": "just *this*"})
    t.eq(status, 200, "a form sent with Enter (no button) is a preview")
    t.contains(page, "<em>this</em>", "and renders")
    t.not_contains(page, "needs a title", "a preview may come before the title")

    # -- field errors and limits (each 422, nothing stored)
    def refused(form, needle, field, name):
        status, _, page = ana.post("/write/new", dict(weeknote, csrf=csrf, action="publish", **form))
        t.eq(status, 422, f"{name}: 422")
        t.contains(page, needle, f"{name}: says why")
        t.contains(page, f'<a href="#{field}">', f"{name}: the summary links to the field")
        t.contains(page, f'id="{field}-error"', f"{name}: the field has its message")
        t.contains(page, "<title>Error: New weeknote", f"{name}: the page title starts with Error:")
        return page

    refused({"title": "  "}, "The weeknote needs a title", "title", "no title")
    refused({"title": "x" * 301}, "The title must be 300 characters or fewer", "title", "301 characters")
    refused({"markdown": ""}, "needs some text before it is published", "markdown", "no text")
    page = refused({"markdown": "a" * (512 * 1024 + 1)}, "The text must be 512 KiB or smaller", "markdown",
                   "513 KiB of Markdown")
    t.ok(len(page) > 512 * 1024, "the long text is given back to fix")
    refused({"date": "2026-02-30"}, "The date must be a real date", "date", "no such day")
    refused({"date": "2031-01-01"}, "The date must be today or earlier", "date", "a future date")
    refused({"tags": ",".join(f"t{i}" for i in range(21))}, "Use 20 tags or fewer", "tags", "21 tags")
    t.eq(count_posts(), 0, "no refused form stored anything")
    status, _, _ = ana.post("/write/new", raw_body=b"csrf=" + csrf.encode() + b"&title=a%00b&action=draft")
    t.eq(status, 403, "a form with a NUL byte is refused")

    # -- a draft
    status, h, _ = ana.post("/write/new", dict(weeknote, csrf=csrf, action="draft"))
    loc = header(h, "location") or ""
    m = re.match(r"/write/(\d+)\?saved=1$", loc)
    t.ok(status == 303 and m, "saving a draft redirects to its editor", (status, loc))
    pid = int(m.group(1))
    row = c.sql("SELECT status, title, markdown, slug FROM posts WHERE id = ?", (pid,))[0]
    t.eq(row[0], "draft", "the draft is stored as a draft")
    t.eq(row[2], weeknote["markdown"].replace("\r\n", "\n"), "the Markdown source is kept (LF line ends)")
    slug_path = f"/post/{pid}-{row[3]}"
    pub = public_pages(d, slug_path)
    t.not_contains(pub, "Gridlock", "a draft appears on no public page or feed")
    t.eq(d.get(slug_path)[0], 404, "a draft's permalink is 404")
    page, csrf2 = ana.form(loc)
    t.contains(page, "The draft was saved.", "the editor says the draft was saved")
    t.contains(page, 'value="weeknotes, Forms"', "the tags come back as written")
    t.contains(page, 'id="date" name="date" type="date" value=""', "a draft has no date until given one")
    t.contains(page, "Save draft", "a draft offers Save draft")
    _, _, listing = ana.get("/write")
    t.ok(re.search(r'Gridlock forms<span class="visually-hidden"> \(edit\)</span></a></td>\s*<td><span '
                   r'class="badge">Draft</span>', listing), "the list shows it as a draft")

    # -- publish it (dated 2026-11-20, in week 47)
    status, h, _ = ana.post(f"/write/{pid}", dict(weeknote, csrf=csrf2, action="publish", date="2026-11-20"))
    t.eq((status, header(h, "location")), (303, f"/write?published={pid}"), "publishing redirects to the list")
    row = c.sql("SELECT status, published_at FROM posts WHERE id = ?", (pid,))[0]
    t.eq(row, ("published", 1795132800), "published, dated 2026-11-20 00:00 UTC")
    _, _, listing = ana.get(f"/write?published={pid}")
    t.contains(listing, "The weeknote was published.", "the list says so")
    t.contains(listing, f'href="{slug_path}">View', "and links the post")
    pub = public_pages(d, slug_path)
    for path in ("/", "/feed.atom", "/feed.json", "/team/web", "/team/web.atom", "/team/web.rss",
                 "/team/web.json", "/tag/forms", "/week/2026-W47", "/search?q=gridlock", slug_path):
        section = pub.split(f"== {path} ")[1].split("\n== ")[0]
        t.contains(section, "Gridlock", f"published: on {path}")
    t.contains(pub, "<strong>gridlock</strong>", "the post shows rendered Markdown")
    t.eq(d.get(slug_path)[0], 200, "its permalink is 200")
    _, _, atom = d.get("/team/web.atom")
    updated_1 = re.search(r"<entry>.*?<updated>([^<]+)</updated>", atom.decode(), re.S).group(1)

    # -- edit it: the change shows, `updated` moves
    time.sleep(1.1)
    page, csrf3 = ana.form(f"/write/{pid}")
    t.contains(page, 'value="2026-11-20"', "a published post shows its date")
    t.contains(page, "Update", "a published post offers Update")
    t.contains(page, f'href="{slug_path}">see it as readers do', "and links to itself")
    edited = dict(weeknote, csrf=csrf3, action="publish", date="2026-11-20",
                  title="Weeknotes 47: Gridlock forms, fixed",
                  markdown="Now with **better** forms.\n")
    status, _, _ = ana.post(f"/write/{pid}", edited)
    t.eq(status, 303, "an update redirects")
    row = c.sql("SELECT title, published_at, slug FROM posts WHERE id = ?", (pid,))[0]
    t.eq(row[:2], ("Weeknotes 47: Gridlock forms, fixed", 1795132800), "the title changed, the date did not")
    t.eq(f"/post/{pid}-{row[2]}", slug_path, "the permalink stays")
    status, _, body = d.get(slug_path)
    t.contains(body.decode(), "<strong>better</strong>", "the post page shows the change")
    _, _, atom = d.get("/team/web.atom")
    entry = re.search(r"<entry>.*?</entry>", atom.decode(), re.S).group(0)
    t.contains(entry, "Gridlock forms, fixed", "the feed shows the new title")
    updated_2 = re.search(r"<updated>([^<]+)</updated>", entry).group(1)
    t.ok(updated_2 > updated_1, "the feed entry's <updated> moved", (updated_1, updated_2))
    feed = json.loads(d.get("/team/web.json")[2])
    t.ok(feed["items"][0].get("date_modified", "") > feed["items"][0]["date_published"],
         "JSON Feed: date_modified is after date_published")

    # -- another team cannot touch it
    status, _, page = dan.get(f"/write/{pid}")
    t.eq(status, 403, "another team's member gets 403 for the editor")
    status, _, _ = dan.post(f"/write/{pid}", dict(edited, csrf=dan_csrf, title="Hijacked"))
    t.eq(status, 403, "and for saving")
    status, _, _ = dan.get(f"/write/{pid}/delete")
    t.eq(status, 403, "and for the delete page")
    status, _, _ = dan.post(f"/write/{pid}/delete", {"csrf": dan_csrf})
    t.eq(status, 403, "and for deleting")
    t.eq(c.sql("SELECT title, status FROM posts WHERE id = ?", (pid,))[0],
         ("Weeknotes 47: Gridlock forms, fixed", "published"), "the post is untouched")
    _, _, listing = dan.get("/write")
    t.not_contains(listing, "Gridlock", "another team's list does not show it")
    t.eq(ana.get("/write/999999")[0], 404, "an unknown post is 404")

    # -- an admin writes for any team
    root = Browser(d)
    root.login("root", PW)
    page, root_csrf = root.form("/write/new?team=data")
    t.contains(page, '<label for="team">Team</label>', "an admin picks the team (with a label)")
    t.contains(page, '<option value="data" selected>Data team</option>', "?team= preselects it")
    t.eq(root.get(f"/write/{pid}")[0], 200, "an admin may edit any team's post")
    status, h, _ = root.post("/write/new", {"csrf": root_csrf, "action": "publish", "team": "data",
                                            "title": "Data team weeknotes 47", "markdown": "Pipelines."})
    t.eq(status, 303, "an admin publishes for the data team")
    t.eq(c.sql("SELECT t.slug FROM posts p JOIN teams t ON t.id = p.team_id WHERE p.title = ?",
               ("Data team weeknotes 47",))[0][0], "data", "the post belongs to the data team")
    status, _, page = root.post("/write/new", {"csrf": root_csrf, "action": "publish", "team": "nope",
                                               "title": "x", "markdown": "y"})
    t.eq(status, 422, "an unknown team is 422")
    t.contains(page, '<a href="#team">Choose the team', "and the summary links to the team picker")

    # -- unpublish, publish again
    page, csrf4 = ana.form(f"/write/{pid}")
    status, _, _ = ana.post(f"/write/{pid}", dict(edited, csrf=csrf4, action="draft"))
    t.eq(c.sql("SELECT status FROM posts WHERE id = ?", (pid,))[0][0], "draft", "unpublishing makes a draft")
    t.eq(d.get(slug_path)[0], 404, "an unpublished post's permalink is 404")
    t.not_contains(d.get("/team/web.atom")[2].decode(), "Gridlock", "and it leaves the feed")
    page, csrf4 = ana.form(f"/write/{pid}")
    t.contains(page, 'value="2026-11-20"', "a draft keeps a date it was given")
    ana.post(f"/write/{pid}", dict(edited, csrf=csrf4, action="publish"))
    t.eq(d.get(slug_path)[0], 200, "published again")

    # -- delete, with a confirmation step
    status, _, page = ana.get(f"/write/{pid}/delete")
    t.eq(status, 200, "the delete page asks first")
    t.contains(page, "Delete “Weeknotes 47: Gridlock forms, fixed”?", "naming the post")
    t.contains(page, f'action="/write/{pid}/delete"', "with a form that posts back")
    t.contains(page, f'href="/write/{pid}">No, go back', "and a way back")
    status, _, _ = ana.post(f"/write/{pid}/delete", {})
    t.eq(status, 403, "deleting without the CSRF token is 403")
    t.eq(d.get(slug_path)[0], 200, "and the post is still there")
    status, h, _ = ana.post(f"/write/{pid}/delete", {"csrf": ana.csrf(page)})
    t.eq((status, header(h, "location")), (303, "/write?deleted=1"), "deleting redirects to the list")
    t.eq(c.sql("SELECT status FROM posts WHERE id = ?", (pid,))[0][0], "deleted", "the post is deleted")
    pub = public_pages(d, slug_path)
    t.not_contains(pub, "Gridlock", "a deleted post is gone from every page and feed")
    t.eq(d.get(slug_path)[0], 404, "its permalink is 404")
    _, _, listing = ana.get("/write?deleted=1")
    t.contains(listing, "The weeknote was deleted.", "the list says so")
    t.not_contains(listing, "Gridlock", "and no longer lists it")
    t.eq(ana.get(f"/write/{pid}")[0], 404, "its editor is 404")
    t.eq(ana.post(f"/write/{pid}/delete", {"csrf": ana.csrf(page)})[0], 404, "deleting again is 404")

    t.eq(d.request("PUT", "/write/new")[0], 405, "PUT is 405")
    t.eq(d.get("/write/0")[0], 404, "/write/0 is no page")
    t.eq(d.get("/write/12abc")[0], 404, "/write/12abc is no page")

c.cleanup()
t.done()
