"""Curating a digest on the web, over real HTTP against the real daemon:
signed-out visitors are sent to /login (forms get 403, nothing changes);
every form needs the session's CSRF token; an editor starts a digest,
finds the week's posts (words, tag, source, week), adds them with notes,
reorders (up/down buttons), removes one, previews the email exactly as it
is sent (its own CSP: inline styles, nothing else), and publishes it with
its email, which the daemon delivers to a real SMTP server on 127.0.0.1;
a second send is refused unless forced; a digest scheduled for a moment
later publishes itself; unpublishing takes it off the pages."""

import email
import email.policy
import os
import time

from crierlib import SRCDIR, Crier, stopped_cleanly
from fixture_server import FixtureServer
from smtpsink import SmtpSink
from tap import TAP
from writelib import Browser, add_user, header

t = TAP()
PW = "correct horse battery"
srv = FixtureServer()
srv.__enter__()
with open(os.path.join(SRCDIR, "tests", "fixtures", "digest", "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")
smtp = SmtpSink()
smtp.__enter__()
c = Crier(config=f"""
[team comms]
name = Comms team

[feed {srv.url('/sector.xml')}]
name = Sector weeknotes

[digest weekly]
to = a@example.net, b@example.net
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}",
                 "smtp_url": f"smtp://127.0.0.1:{smtp.port}", "smtp_starttls": "false",
                 "mail_from": "digest@example.org"})
t.eq(c.run("fetch").returncode, 0, "crier fetch exits 0")
t.eq(add_user(c, "cora", "comms", PW).returncode, 0, "an editor")
ids = dict(c.sql("SELECT title, id FROM posts"))
W42, ROADS, AUDIT = (ids["Weeknotes 42: café forms, “done”"], ids["Roadworks update"],
                     ids["Accessibility audit of our services"])
feed_id = c.sql("SELECT id FROM feeds")[0][0]


def items():
    return [r[0] for r in c.sql("SELECT post_id FROM digest_items i JOIN digests d ON d.id = i.digest_id "
                                "WHERE d.slug = 'web-picks' ORDER BY position")]


d = c.serve()
with stopped_cleanly(t, d, "curation daemon"):
    anon = Browser(d)
    status, h, _ = anon.get("/digests/new")
    t.eq((status, header(h, "Location")), (303, "/login"), "signed out: /digests/new sends you to /login")
    status, _, page = anon.post("/digests/new", {"title": "Sneaky"})
    t.eq(status, 403, "signed out: starting a digest is 403")
    t.contains(page, "Nothing was changed", "and says so")
    status, h, _ = anon.get("/digest/anything/edit")
    t.eq(status, 303, "signed out: an edit page sends you to /login")

    cora = Browser(d)
    t.eq(cora.login("cora", PW)[0], 303, "cora signs in")
    page, csrf = cora.form("/digests/new")
    t.ok(csrf, "the form carries a CSRF token")
    for field, label in (("title", "Title"), ("week", "Week"), ("section", "Mailing list")):
        t.contains(page, f'<label for="{field}">{label}</label>', f"the {field} field has a label")
    t.not_contains(page, "<script", "no script")
    form = {"title": "Web picks", "week": "2026-W42", "section": "weekly", "intro": "Hello from **comms**."}
    for bad, why in (({}, "no token"), ({"csrf": "A" * 43}, "a wrong token")):
        status, _, _ = cora.post("/digests/new", dict(form, **bad))
        t.eq(status, 403, f"starting a digest with {why} is 403")
    t.eq(c.sql("SELECT count(*) FROM digests"), [(0,)], "and nothing was made")
    status, _, page = cora.post("/digests/new", dict(form, csrf=csrf, title="  "))
    t.eq(status, 400, "an empty title is 400")
    t.contains(page, "a digest needs a title", "with the reason")
    t.contains(page, '<div class="error-summary"', "in an error summary")
    t.contains(page, "<title>Error: Start a digest", "and the page title says there is an error")
    status, h, _ = cora.post("/digests/new", dict(form, csrf=csrf))
    t.eq((status, header(h, "Location")), (303, "/digest/web-picks/edit?done=created"), "starting it goes to its page")

    # -- find posts
    status, h, page = cora.get("/digest/web-picks/edit")
    t.eq(status, 200, "the edit page is 200")
    t.contains(header(h, "Cache-Control") or "", "no-store", "and private")
    t.contains(page, "3 posts found in 2026-W42", "it lists the digest's week's posts")
    _, _, page = cora.get("/digest/web-picks/edit?q=permit")
    t.contains(page, "1 post found", "search by words")
    t.contains(page, "Weeknotes 42: café forms", "finds the right one")
    _, _, page = cora.get("/digest/web-picks/edit?tag=accessibility")
    t.ok("1 post found" in page and "Accessibility audit" in page, "by tag")
    _, _, page = cora.get(f"/digest/web-picks/edit?source={feed_id}&week=2026-W43")
    t.ok("1 post found in 2026-W43" in page and "Weeknotes 43" in page, "by source, in another week")
    _, _, page = cora.get("/digest/web-picks/edit?team=comms")
    t.contains(page, "0 posts found", "by team")
    t.not_contains(page, "<script", "the page has no script")
    t.not_contains(page, "digest-xss", "nor the feed's")

    # -- add, note, move, remove
    def act(action, **fields):
        return cora.post("/digest/web-picks/edit", dict(fields, csrf=csrf, action=action))

    status, _, _ = cora.post("/digest/web-picks/edit", {"action": "add", "post": W42})
    t.eq(status, 403, "adding without a token is 403")
    t.eq(items(), [], "and adds nothing")
    status, h, _ = act("add", post=W42, note="Nice *one*.", find_q="permit")
    t.eq(status, 303, "add answers 303")
    t.eq(header(h, "Location"), f"/digest/web-picks/edit?done=added&q=permit#item-{W42}",
         "back to the page, the search kept")
    act("add", post=ROADS)
    act("add", post=AUDIT, note="Read the summary.")
    t.eq(items(), [W42, ROADS, AUDIT], "three posts, in the order added")
    _, _, page = cora.get("/digest/web-picks/edit?done=added")
    t.contains(page, "The post was added to the digest.", "a notice says what happened")
    t.contains(page, "<strong>In this digest.</strong>", "found posts already in it say so")
    t.contains(page, f'<label for="note-{W42}">Your note on “Weeknotes 42: café forms, “done””</label>',
               "each note field is labelled with its post")
    t.contains(page, 'value="up" class="button-secondary">Move up<span class="visually-hidden">: “Roadworks update”',
               "move buttons name their post for screen readers")
    act("note", post=W42, note="Nicer *one*.")
    t.eq(c.sql("SELECT note FROM digest_items WHERE post_id = ?", (W42,)), [("Nicer *one*.",)], "a note changed")
    act("down", post=W42)
    t.eq(items(), [ROADS, W42, AUDIT], "down moves a post one place later")
    act("up", post=AUDIT)
    t.eq(items(), [ROADS, AUDIT, W42], "up moves one place earlier")
    act("up", post=ROADS)
    t.eq(items(), [ROADS, AUDIT, W42], "up on the first does nothing")
    act("remove", post=ROADS)
    t.eq(items(), [AUDIT, W42], "remove takes it out")
    status, _, page = act("add", post=99999)
    t.eq(status, 400, "adding a post that does not exist is 400")
    t.contains(page, "there is no published post 99999", "and says why")

    # -- details
    status, h, _ = act("details", title="Web picks: week 42", slug="web-picks", week="2026-W42", section="weekly",
                       intro="Hello from **comms**, again.")
    t.eq(status, 303, "saving details answers 303")
    t.eq(c.sql("SELECT title, intro_html FROM digests"), [("Web picks: week 42",
         "<p>Hello from <strong>comms</strong>, again.</p>\n")], "the details were saved (Markdown rendered)")
    status, _, page = act("details", title="X", slug="Not A Slug", week="2026-W42", section="weekly", intro="")
    t.eq(status, 400, "a bad slug is 400")
    t.contains(page, 'value="Not A Slug"', "and the form keeps what was typed")

    # -- the preview is the email
    status, h, body = cora.get("/digest/web-picks/preview")
    t.eq(status, 200, "the email preview is 200")
    t.eq(header(h, "Content-Type"), "text/html; charset=utf-8", "as HTML")
    csp = header(h, "Content-Security-Policy") or ""
    t.ok("style-src 'unsafe-inline'" in csp and "sandbox" in csp and "script-src" not in csp,
         "with its own CSP: inline styles, sandboxed, no script", csp)
    t.eq(len([k for k, _ in h if k.lower() == "content-security-policy"]), 1, "one CSP header, not two")
    t.contains(body, "<em>one</em>", "it shows the notes")
    t.ok(body.index("Accessibility audit") < body.index("Weeknotes 42"), "in the digest's order")
    status, h, text = cora.get("/digest/web-picks/preview?part=text")
    t.eq(header(h, "Content-Type"), "text/plain; charset=utf-8", "?part=text is the text part")
    t.contains(text, "1. Accessibility audit of our services", "numbered posts")
    status, _, _ = anon.get("/digest/web-picks/preview")
    t.eq(status, 303, "signed out: no preview")
    status, _, _ = d.get("/digest/web-picks")
    t.eq(status, 404, "the draft is not public yet")

    # -- publish with its email, which the daemon sends
    status, h, _ = act("publish", send="1")
    t.eq((status, header(h, "Location")), (303, "/digest/web-picks/edit?done=queued"), "publish and send")
    status, _, page = d.get("/digest/web-picks")
    t.eq(status, 200, "now it is public")
    deadline = time.monotonic() + 20
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    t.eq(sorted(m[1] for m in smtp.messages), ["a@example.net", "b@example.net"],
         "the daemon delivered it to the list")
    msg = email.message_from_bytes(smtp.messages[0][2], policy=email.policy.default)
    t.eq(str(msg["Subject"]), "Web picks: week 42", "with the digest's title")
    _, _, page = cora.get("/digest/web-picks/edit")
    t.contains(page, "Email: 2 sent, 0 waiting, 0 failed.", "the page shows how the email went")
    status, _, page = act("send")
    t.eq(status, 400, "sending again is refused")
    t.contains(page, "went to all 2 recipients already", "and says why")
    status, _, _ = act("send", force="1")
    t.eq(status, 303, "unless forced")
    deadline = time.monotonic() + 20
    while len(smtp.messages) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    t.eq(len(smtp.messages), 4, "which sends it again")

    # -- schedule another for a few seconds from now
    status, _, _ = cora.post("/digests/new", {"csrf": csrf, "title": "Later picks", "week": "2026-W43",
                                               "section": ""})
    t.eq(status, 303, "a second digest")
    past = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - 3600))
    status, _, page = cora.post("/digest/later-picks/edit", {"csrf": csrf, "action": "schedule", "at": past})
    t.eq(status, 400, "scheduling in the past is refused")
    t.contains(page, "that time has passed", "with the reason")
    soon = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() + 2))
    status, _, _ = cora.post("/digest/later-picks/edit", {"csrf": csrf, "action": "schedule", "at": soon})
    t.eq(status, 303, "scheduling a few seconds ahead")
    t.eq(c.sql("SELECT status FROM digests WHERE slug = 'later-picks'"), [("scheduled",)], "it is scheduled")
    deadline = time.monotonic() + 20
    while c.sql("SELECT status FROM digests WHERE slug = 'later-picks'") != [("published",)] and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    t.eq(c.sql("SELECT status FROM digests WHERE slug = 'later-picks'"), [("published",)],
         "and the daemon published it when its time came")

    # -- the list of digests, and unpublishing
    _, _, page = cora.get("/digests/new")
    t.contains(page, '<a href="/digest/web-picks/edit">Web picks: week 42</a>', "the curation page lists digests")
    status, _, _ = act("unpublish")
    t.eq(status, 303, "unpublish")
    status, _, _ = d.get("/digest/web-picks")
    t.eq(status, 404, "and it is off the web")
    status, _, _ = cora.post("/digest/no-such/edit", {"csrf": csrf, "action": "publish"})
    t.eq(status, 404, "an unknown digest is 404")
    status, _, _ = cora.request("PUT", "/digest/web-picks/edit")
    t.eq(status, 405, "PUT is 405")

smtp.__exit__(None, None, None)
srv.__exit__(None, None, None)
c.cleanup()
t.done()
