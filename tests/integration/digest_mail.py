"""The digest email end to end: a fixture feed (with a <script>, an
onclick and a javascript: link) fetched into a real store, a digest
curated and published with the CLI, and sent through libcurl to a real
SMTP server on 127.0.0.1 (Debian's python3-aiosmtpd, in this process).

Checks the MIME message with Python's email package: multipart/
alternative with a text and an HTML part (UTF-8, quoted-printable, short
lines), the headers (From, To, RFC 2047 Subject, Date, Message-ID,
List-Id, List-Unsubscribe, List-Unsubscribe-Post), the links, the HTML's
accessibility basics, and that nothing a feed sent as markup arrives.
Then the record: a recipient the server refuses for now is retried, one
it refuses for good is reported, a second send is refused unless forced,
one connection carries every message, and one-click unsubscribe (the
header's URL, POSTed to the real daemon) keeps the next send away."""

import email
import email.policy
import email.utils
import os
import re
import urllib.parse

from crierlib import SRCDIR, Crier, stopped_cleanly
from fixture_server import FixtureServer
from smtpsink import SmtpSink
from tap import TAP

t = TAP()
FIX = os.path.join(SRCDIR, "tests", "fixtures", "digest")

srv = FixtureServer()
srv.__enter__()
with open(os.path.join(FIX, "sector.xml"), "rb") as f:
    srv.set("/sector.xml", body=f.read(), content_type="application/rss+xml")

smtp = SmtpSink()
smtp.__enter__()
GOOD, BUSY, GONE = "reader@example.net", "busy@example.net", "gone@example.net"

LIST = os.path.join(os.environ.get("CRIER_BUILDDIR", "."), "tests", "tmp", f"digest-list-{os.getpid()}.txt")
os.makedirs(os.path.dirname(LIST), exist_ok=True)
with open(LIST, "w") as f:
    f.write(f"# the weekly list\n{GOOD}\n\n{BUSY}\nnot-an-address\n{GOOD.upper()}\n")
c = Crier(config=f"""
[feed {srv.url('/sector.xml')}]
name = Sector weeknotes

[digest weekly]
to = {GONE}
to_file = {LIST}
""", crier_keys={"allow_private_hosts": f"127.0.0.1:{srv.port}",
                 "smtp_url": f"smtp://127.0.0.1:{smtp.port}", "smtp_starttls": "false",
                 "mail_from": "Sector digest <digest@example.org>", "site_title": "Sector notes",
                 "lang": "en-GB", "list_unsubscribe": "mailto:leave@example.org"})
r = c.run("fetch")
t.eq(r.returncode, 0, "crier fetch exits 0")
ids = dict(c.sql("SELECT title, id FROM posts"))
w42 = ids["Weeknotes 42: café forms, “done”"]

# -- curate with the CLI
r = c.run("digest", "new", "Café digest: week 42", "--week", "2026-W42", "--section", "weekly",
          "--intro", "The best of the week. See [the archive](https://sector.example/archive).\n\n"
          "<script>alert('intro')</script>")
t.eq(r.returncode, 0, "digest new exits 0", ) or t.diag(r.stderr)
t.contains(r.stdout, "created digest #1 cafe-digest-week-42 (draft, 2026-W42)", "new names its slug and week")
r = c.run("digest", "add", "1", str(w42), "--note", "Read *this*: <img src=x onerror=alert(1)>")
t.eq(r.returncode, 1, "a note with an image that has no description is refused")
t.contains(r.stderr, "every image needs a description", "and says what to do")
r = c.run("digest", "add", "1", str(w42), "--note", "Read *this* one: ![A queue at the library]"
          "(https://sector.example/queue.png) <img src=x onerror=alert(1) alt=pwn> "
          "[forms](https://sector.example/forms)<script>alert(2)</script>")
t.eq(r.returncode, 0, "add with a note exits 0")
t.eq(c.run("digest", "add", "cafe-digest-week-42", str(ids["Roadworks update"])).returncode, 0,
     "add by slug, no note")
t.eq(c.run("digest", "add", "1", str(ids["Accessibility audit of our services"]), "--note",
           "Three problems, everywhere.").returncode, 0, "a third post")
t.eq(c.run("digest", "move", "1", str(ids["Accessibility audit of our services"]), "1").returncode, 0,
     "move the third to the top")

# -- a draft cannot be sent
r = c.run("digest", "send", "1")
t.eq(r.returncode, 1, "sending a draft is refused")
t.contains(r.stderr, "not published yet", "and says why")
t.eq(len(smtp.messages), 0, "nothing reached the server")

# -- publish and send: one recipient waits (451), one is refused (550)
smtp.reject(BUSY, "451 4.3.0 Mailbox busy, try later", times=1)
smtp.reject(GONE, "550 5.1.1 No such user here")
r = c.run("digest", "publish", "1", "--send")
t.eq(r.returncode, 1, "publish --send exits 1 when not everyone got it")
t.contains(r.stdout, "published http://", "it was published")
t.contains(r.stdout, "email: 1 sent now, 1 to try again later, 1 failed", "and reports each outcome")
t.contains(r.stderr, "not-an-address", "the bad address in the list is named in the log") or t.diag(r.stderr)
t.eq([m[1] for m in smtp.messages], [GOOD], "only the good recipient got it so far")
t.eq(smtp.connections, 1, "over one connection")
rows = dict((row[0], row[1:]) for row in c.sql(
    "SELECT recipient, status, attempts, last_error FROM digest_sends"))
t.eq(rows[GOOD][:2], ("sent", 1), "the good one is recorded as sent")
t.eq(rows[BUSY][:2], ("pending", 1), "the busy one waits for a retry")
t.contains(rows[BUSY][2] or "", "451", "with the server's answer")
t.eq(rows[GONE][:2], ("failed", 1), "the refused one is failed at once")
t.contains(rows[GONE][2] or "", "550 5.1.1 No such user here", "with the server's words")
r = c.run("digest", "show", "1")
t.contains(r.stdout, f"email to {GONE}: failed after 1 tries", "show reports the failure")
t.contains(r.stdout, "No such user", "and why")

# -- the message itself
raw = smtp.to(GOOD)[0]
msg = email.message_from_bytes(raw, policy=email.policy.default)
lines = raw.split(b"\r\n")
t.ok(all(len(x) <= 998 for x in lines), "no line over 998 bytes")
body_start = raw.index(b"\r\n\r\n")
t.ok(all(len(x) <= 78 for x in raw[body_start:].split(b"\r\n")), "body lines within 78 characters")
t.ok(all(b < 128 for b in raw), "the message is 7-bit")
t.ok(b"\n" not in raw.replace(b"\r\n", b""), "CRLF line ends only")
t.eq(msg.get_content_type(), "multipart/alternative", "multipart/alternative")
parts = list(msg.iter_parts())
t.eq([p.get_content_type() for p in parts], ["text/plain", "text/html"], "a text part, then the HTML part")
t.eq([p.get_content_charset() for p in parts], ["utf-8", "utf-8"], "both UTF-8")
t.eq([p["Content-Transfer-Encoding"] for p in parts], ["quoted-printable"] * 2, "both quoted-printable")
t.eq(str(msg["Subject"]), "Café digest: week 42", "the Subject decodes to the title")
t.contains(raw.decode("ascii"), "Subject: =?UTF-8?B?", "a non-ASCII Subject is RFC 2047 encoded")
t.eq(msg["From"].addresses[0].addr_spec, "digest@example.org", "From is mail_from")
t.eq(msg["From"].addresses[0].display_name, "Sector digest", "with its name")
t.eq(msg["To"].addresses[0].addr_spec, GOOD, "To is the recipient alone")
t.ok(re.fullmatch(r"<[0-9a-f]{32}@example\.org>", str(msg["Message-ID"])), "a Message-ID at the sender's domain",
     str(msg["Message-ID"]))
t.ok(email.utils.parsedate_to_datetime(str(msg["Date"])) is not None, "a Date that parses")
t.eq(str(msg["List-Id"]), '"Sector notes: weekly digest" <weekly.digests.127.0.0.1>', "List-Id")
unsub = str(msg["List-Unsubscribe"])
m = re.fullmatch(r"<(http://[^>]+/digests/unsubscribe\?[^>]+)>, <mailto:leave@example\.org>", unsub)
t.ok(m, "List-Unsubscribe: the one-click URL, then list_unsubscribe", unsub)
t.eq(str(msg["List-Unsubscribe-Post"]), "List-Unsubscribe=One-Click", "List-Unsubscribe-Post (RFC 8058)")
q = urllib.parse.parse_qs(urllib.parse.urlsplit(m.group(1)).query) if m else {}
t.eq((q.get("list"), q.get("email")), (["weekly"], [GOOD]), "the link names the list and the recipient")

text = parts[0].get_content()
html = parts[1].get_content()
t.ok(text.index("Accessibility audit") < text.index("Weeknotes 42") < text.index("Roadworks update"),
     "text: the posts in the editor's order")
t.contains(text, "Week 42, 2026: 12 to 18 October 2026", "text: the week")
t.contains(text, "https://sector.example/weeknotes-42", "text: each post's link")
t.contains(text, "   Read this one: forms <https://sector.example/forms>", "text: the note, its link's URL after it")
t.contains(text, "The best of the week. See the archive <https://sector.example/archive>.",
           "text: the introduction as text")
t.contains(html, 'alt="A queue at the library"', "html: the note's image keeps its description")
t.contains(text, "Unsubscribe from this digest: http://", "text: how to leave")
t.contains(html, '<html lang="en-GB"', "html: the page language")
t.contains(html, '<h1 style="', "html: a real h1")
t.eq(len(re.findall(r"<h2 ", html)), 3, "html: an h2 per post")
t.contains(html, '<a href="https://sector.example/weeknotes-42" style="', "html: titles link the original posts")
t.contains(html, "Weeknotes 42: café forms, “done”</a>", "html: with the title as the link text")
t.contains(html, '>Read this digest on the web</a>', "html: a link to the web version that says so")
t.contains(html, '>Unsubscribe from these emails</a>', "html: an unsubscribe link that says so")
t.contains(html, 'href="https://sector.example/forms"', "html: the note's Markdown link")
t.ok(all('role="presentation"' in tag for tag in re.findall(r"<table[^>]*>", html)),
     "html: every layout table is role=presentation")
t.ok('role="presentation"' not in re.sub(r"<table[^>]*>", "", html), "html: and nothing else is")
t.ok(all(re.search(r'\salt="[^"]*"', img) for img in re.findall(r"<img[^>]*>", html)), "html: every img has alt text")
t.contains(html, "max-width:600px", "html: one 600 px column")
t.ok(re.search(r"<a [^>]*>(click here|here|read more)</a>", html, re.I) is None, "html: no vague link text")
for bad in ("<script", "alert(", "onerror", "onclick", "javascript:", "<style>", "digest-xss"):
    t.ok(bad not in html and bad not in text and bad.encode() not in raw, f"nothing of {bad!r} arrives")

# -- retry: the busy one gets it on the next send; the gone one is tried again and reported
r = c.run("digest", "send", "1")
t.eq(r.returncode, 1, "send retries the waiting and failed ones; exit 1 while one still fails")
t.contains(r.stdout, "email: 1 sent now, 0 to try again later, 1 failed", "the busy one now, the gone one not")
t.eq(len(smtp.to(BUSY)), 1, "the busy recipient got it")
t.eq(len(smtp.to(GOOD)), 1, "the good one did not get it twice")
t.eq(c.sql("SELECT attempts FROM digest_sends WHERE recipient = ?", (GONE,)), [(1,)],
     "an explicit send starts a failed one's count again")
smtp.accept(GONE)
r = c.run("digest", "send", "1")
t.eq(r.returncode, 0, "once the server takes it, send exits 0")
t.eq(len(smtp.to(GONE)), 1, "the third recipient has it")
t.eq(c.sql("SELECT count(*) FROM digest_sends WHERE status = 'sent'"), [(3,)], "all three recorded as sent")

# -- twice is refused, unless forced
before = len(smtp.messages)
r = c.run("digest", "send", "1")
t.eq(r.returncode, 1, "a second send is refused")
t.contains(r.stderr, "went to all 3 recipients already", "and says so")
t.contains(r.stderr, "--force", "and how to send anyway")
t.eq(len(smtp.messages), before, "nothing was sent")
smtp.clear()
r = c.run("digest", "send", "1", "--force")
t.eq(r.returncode, 0, "--force sends again")
t.eq(sorted(m[1] for m in smtp.messages), sorted([GOOD, BUSY, GONE]), "to everyone")
t.eq(smtp.connections, 1, "on one connection")
ids_seen = {email.message_from_bytes(m[2])["Message-ID"] for m in smtp.messages}
t.eq(len(ids_seen), 3, "each message has its own Message-ID")

# -- one-click unsubscribe through the daemon
d = c.serve()
with stopped_cleanly(t, d, "digest daemon"):
    path = m.group(1).split("/", 3)[3] if m else ""
    status, h, body = d.request("GET", "/" + path)
    t.eq(status, 200, "the unsubscribe link opens a page")
    t.contains(body.decode(), '<button type="submit">Unsubscribe</button>', "with one button, no script")
    t.contains(h.get("cache-control", ""), "no-store", "which is not cached")
    tampered = re.sub(r"token=[0-9a-f]+", "token=" + "0" * 32, "/" + path)
    status, _, _ = d.request("POST", tampered, body=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq(status, 400, "a wrong token is refused")
    other = "/" + path.replace(urllib.parse.quote(GOOD, safe=""), urllib.parse.quote(BUSY, safe=""))
    status, _, _ = d.request("POST", other, body=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq(status, 400, "a token for another address is refused")
    status, _, body = d.request("POST", "/" + path, body=b"List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq(status, 200, "the one-click POST (RFC 8058) is accepted")
    t.contains(body.decode(), "You have left the list", "and says so")
    t.eq(c.sql("SELECT section, address FROM digest_unsubscribes"), [("weekly", GOOD)], "recorded")
    status, _, _ = d.request("POST", "/" + path, body=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    t.eq(status, 200, "a second one-click is harmless")
smtp.clear()
r = c.run("digest", "send", "1", "--force")
t.eq(r.returncode, 0, "the next forced send works")
t.eq(sorted(m[1] for m in smtp.messages), sorted([BUSY, GONE]), "and skips the one who left")

# -- previews are exactly what is sent
r = c.run("digest", "show", "1", "--email", "--to", GOOD)
t.eq(r.returncode, 0, "show --email exits 0")
preview = email.message_from_string(r.stdout, policy=email.policy.default)
t.eq(preview.get_content_type(), "multipart/alternative", "show --email prints the whole message")
sent_html = re.sub(r'token=[0-9a-f]+', "", html)
t.eq(re.sub(r'token=[0-9a-f]+', "", list(preview.iter_parts())[1].get_content()).replace("\r\n", "\n"),
     sent_html.replace("\r\n", "\n"), "its HTML part is the one that was sent")
r = c.run("digest", "show", "1", "--text", "--to", GOOD)
t.eq(r.stdout.rstrip("\n"), text.replace("\r\n", "\n").rstrip("\n"), "show --text prints the text part as sent")
r = c.run("digest", "show", "1", "--html", "--to", GOOD)
t.eq(re.sub(r'token=[0-9a-f]+', "", r.stdout).rstrip("\n"), sent_html.replace("\r\n", "\n").rstrip("\n"),
     "show --html prints the HTML part as sent")

# -- STARTTLS required by default: no mail in clear to a server without it
plain = Crier(config=f"[digest x]\nto = {GOOD}\n",
              crier_keys={"smtp_url": f"smtp://127.0.0.1:{smtp.port}", "mail_from": "digest@example.org"})
plain.run("digest", "new", "TLS or nothing", "--section", "x")
before = len(smtp.messages)
r = plain.run("digest", "publish", "1", "--send")
t.eq(r.returncode, 1, "smtp_starttls = true (the default) will not send without STARTTLS")
t.eq(len(smtp.messages), before, "nothing was sent in clear")
t.ok(re.search(r"STARTTLS|SSL|TLS", plain.sql("SELECT last_error FROM digest_sends")[0][0] or ""),
     "and the record says why", plain.sql("SELECT last_error FROM digest_sends"))
t.eq(plain.sql("SELECT status FROM digest_sends"), [("pending",)], "it waits to be tried again")
plain.cleanup()

# -- AUTH from the config
with SmtpSink(users={"crier": "s3cret pass"}) as authed:
    for password, want in (("wrong", 1), ("s3cret pass", 0)):
        ac = Crier(config=f"[digest x]\nto = {GOOD}\n",
                   crier_keys={"smtp_url": f"smtp://127.0.0.1:{authed.port}", "smtp_starttls": "false",
                               "smtp_user": "crier", "smtp_password": password,
                               "mail_from": "digest@example.org"})
        ac.run("digest", "new", "Signed in", "--section", "x")
        r = ac.run("digest", "publish", "1", "--send")
        t.eq(r.returncode, want, f"AUTH with {'the right' if want == 0 else 'a wrong'} password: exit {want}")
        if want:
            t.contains(ac.sql("SELECT last_error FROM digest_sends")[0][0] or "", "535",
                       "a refused login is recorded with the server's answer")
        ac.cleanup()
    t.eq(authed.logins[-1], ("crier", True), "crier logged in with smtp_user and smtp_password")
    t.eq(len(authed.to(GOOD)), 1, "and the message went through")

# -- the config refuses what it cannot send
bad = Crier(config="[digest x]\nto = a@example.org, not-an-address\nschedule = someday\nfrom = me\n"
                  "auto_publish = maybe\nweek = next\nmax_posts = 0\n\n[digest Bad Name]\n\n"
                  "[digest y]\nto = a@example.org\nauto_publish = true\n")
r = bad.run("check-config")
t.eq(r.returncode, 1, "check-config refuses bad [digest] sections")
for want in (r':\d+: to: "not-an-address" is not an email address', r':\d+: schedule: "someday" is not a day',
             r':\d+: unknown key "from" in \[digest\]', r':\d+: auto_publish must be true or false',
             r':\d+: week must be current or previous', r':\d+: max_posts must be a whole number',
             r':\d+: \[digest Bad Name\]: a digest name must be a slug',
             r':\d+: \[digest y\] has auto_publish but no schedule',
             r':\d+: \[digest y\] has recipients but \[crier\] has no smtp_url'):
    t.ok(re.search(want, r.stderr), f"and says {want!r}", r.stderr)
bad.cleanup()
bad = Crier(config="[digest x]\n", crier_keys={"smtp_url": "http://mail.example", "mail_from": "nobody",
                                                "list_unsubscribe": "ftp://x"})
r = bad.run("check-config")
for want in ("smtp_url must start with smtp:// or smtps://", 'mail_from: "nobody" is not an address',
             "list_unsubscribe must be a mailto: or https:// URL"):
    t.contains(r.stderr, want, f"check-config: {want}")
bad.cleanup()

smtp.__exit__(None, None, None)
srv.__exit__(None, None, None)
os.unlink(LIST)
c.cleanup()
t.done()
