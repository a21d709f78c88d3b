"""`crier user` and `crier post` against a real store and daemon: users
are added with an argon2id hash and the password appears nowhere in
clear (database file, WAL, output, log); names, teams and passwords are
checked; a new password ends the old sessions; `crier post` publishes a
Markdown file with front matter (title, tags, date, draft) or from
stdin, prints a permalink that answers 200, and refuses bad files with
the web form's rules."""

import glob
import json
import os
import re
import urllib.parse

from crierlib import Crier, stopped_cleanly
from tap import TAP
from writelib import Browser, add_user

t = TAP()
PW = "Zebra-Quantum-Lantern-42"
c = Crier(config="""
[team web]
name = Web team

[team data]
name = Data team
""")


def db_bytes():
    data = b""
    for path in glob.glob(os.path.join(c.data_dir, "crier.db*")):
        with open(path, "rb") as f:
            data += f.read()
    return data


# -- crier user add
r = add_user(c, "ana", "web", PW)
t.eq(r.returncode, 0, "user add exits 0")
t.eq(r.stdout.strip(), "added ana to team web", "user add says what it did")
t.not_contains(r.stdout + r.stderr, PW, "the password is not printed or logged")
t.contains(r.stderr, 'msg="user added" user=ana team=web admin=false', "the addition is logged")
h = c.sql("SELECT password_hash FROM users WHERE name = 'ana'")[0][0]
t.ok(h.startswith("$argon2id$"), "the database holds an argon2id hash", h[:20])
t.not_contains(h, PW, "not the password")
t.ok(PW.encode() not in db_bytes(), "the password is nowhere in the database files (db, WAL)")
r = add_user(c, "root", None, "another long password", admin=True)
t.eq((r.returncode, r.stdout.strip()), (0, "added root (admin)"), "an admin needs no team")

for args, code, why in (
        (["user", "add", "ana", "--team", "web", "--password-stdin"], 1, "a name that exists"),
        (["user", "add", "bad name", "--team", "web", "--password-stdin"], 2, "a name with a space"),
        (["user", "add", "x" * 65, "--team", "web", "--password-stdin"], 2, "a 65-character name"),
        (["user", "add", "eve", "--password-stdin"], 2, "no team and not admin"),
        (["user", "add", "eve", "--team", "nope", "--password-stdin"], 1, "an unknown team"),
        (["user", "add", "--team", "web"], 2, "no name"),
        (["user", "frob"], 2, "an unknown subcommand")):
    r = c.run(*args, input=PW + "\n")
    t.eq(r.returncode, code, f"user add refuses {why} ({code})")
    t.ok(r.stderr.strip() != "", f"{why}: says why", r.stderr)
r = c.run("user", "add", "eve", "--team", "web", "--password-stdin", input="short\n")
t.eq(r.returncode, 1, "a password under 10 characters is refused")
t.contains(r.stderr, "10 to 512 characters", "and the rule is given")
r = c.run("user", "add", "eve", "--team", "web", "--password-stdin", input="")
t.eq(r.returncode, 1, "no password at all is refused")
t.eq(c.sql("SELECT count(*) FROM users WHERE name = 'eve'")[0][0], 0, "no user was added by a refusal")
r = c.run("user", "--help")
t.ok(r.returncode == 0 and "crier user add NAME --team SLUG" in r.stdout, "user --help")

# -- crier user list
r = c.run("user", "list")
t.eq(r.returncode, 0, "user list exits 0")
t.ok(re.search(r"^ana\s+web\s+no\s+never$", r.stdout, re.M), "list shows ana, her team, never logged in",
     r.stdout)
t.ok(re.search(r"^root\s+-\s+yes\s+never$", r.stdout, re.M), "and root, an admin without a team")
users = c.run_json("user", "list", "--json")
t.eq([(u["name"], u["team"], u["admin"]) for u in users], [("ana", "web", False), ("root", None, True)],
     "user list --json")
t.ok(all("password" not in json.dumps(u) for u in users), "no password hash in the list")

d = c.serve()
with stopped_cleanly(t, d, "daemon"):
    # -- a new password ends the old sessions
    b = Browser(d)
    t.eq(b.login("ana", PW)[0], 303, "ana signs in")
    t.eq(b.get("/write")[0], 200, "with a session")
    r = c.run("user", "passwd", "ana", "--password-stdin", input="a brand new password\n")
    t.eq(r.returncode, 0, "user passwd exits 0")
    t.contains(r.stdout, "logged out everywhere", "and says the sessions ended")
    t.eq(b.get("/write")[0], 303, "the old session no longer works")
    t.eq(Browser(d).login("ana", PW)[0], 422, "the old password no longer works")
    t.eq(Browser(d).login("ana", "a brand new password")[0], 303, "the new one does")
    r = c.run("user", "passwd", "nobody", "--password-stdin", input="a brand new password\n")
    t.eq(r.returncode, 1, "passwd of an unknown user fails")
    t.not_contains(d.log(), "a brand new password", "the new password is not in the daemon's log")
    t.ok(b"a brand new password" not in db_bytes(), "nor in the database files")

    # -- crier post FILE.md with front matter
    path = os.path.join(c.dir, "wn47.md")
    with open(path, "w") as f:
        f.write("---\ntitle: Weeknotes 47: the form builder\ntags: weeknotes, Form Builder\n"
                "date: 2026-11-20\n---\n\nWe shipped the **form builder** beta.\n\n- [x] beta\n")
    r = c.run("post", path, "--team", "web")
    t.ok(r.returncode == 0, "crier post exits 0", r.stderr)
    link = r.stdout.strip()
    t.ok(re.match(r"^http://127\.0\.0\.1:\d+/post/\d+-weeknotes-47-the-form-builder$", link),
         "it prints the absolute permalink", link)
    status, _, body = d.get(urllib.parse.urlparse(link).path)
    page = body.decode()
    t.eq(status, 200, "the permalink answers 200")
    t.contains(page, "Weeknotes 47: the form builder", "the post has its title")
    t.contains(page, "<strong>form builder</strong>", "and its rendered Markdown")
    t.contains(page, 'href="/tag/form-builder"', "and its tags")
    pid = int(re.search(r"/post/(\d+)-", link).group(1))
    t.eq(c.sql("SELECT published_at, status, markdown FROM posts WHERE id = ?", (pid,))[0],
         (1795132800, "published", "We shipped the **form builder** beta.\n\n- [x] beta\n"),
         "dated 2026-11-20, published, the Markdown kept without the front matter")
    t.contains(d.get("/week/2026-W47")[2].decode(), "the form builder", "it shows in its week")
    t.contains(d.get("/team/web.atom")[2].decode(), "the form builder", "and in the team feed")

    # -- from stdin, title from the first heading
    r = c.run("post", "-", "--team", "data", input="# Data weeknotes 47\n\nPipelines, pipelines.\n")
    t.eq(r.returncode, 0, "crier post - reads stdin")
    link2 = r.stdout.strip()
    status, _, body = d.get(urllib.parse.urlparse(link2).path)
    t.eq(status, 200, "its permalink answers 200")
    t.contains(body.decode(), "<h1 id=\"post-title\">Data weeknotes 47</h1>", "the heading is the title")
    t.eq(c.sql("SELECT markdown FROM posts WHERE title = 'Data weeknotes 47'")[0][0],
         "\nPipelines, pipelines.\n", "and is not repeated in the text")

    # -- drafts
    for how, args, text in (("draft: true", [], "---\ntitle: Secret plans\ndraft: true\n---\nShh.\n"),
                            ("--draft", ["--draft"], "---\ntitle: More secret plans\n---\nShh.\n")):
        r = c.run("post", "-", "--team", "web", *args, input=text)
        t.eq(r.returncode, 0, f"{how}: exits 0")
        t.contains(r.stderr, "saved as a draft", f"{how}: says it is a draft")
        t.eq(d.get(urllib.parse.urlparse(r.stdout.strip()).path)[0], 404, f"{how}: not public")
    t.not_contains(d.get("/team/web")[2].decode(), "secret plans", "drafts are not on the team page")
    t.eq(c.sql("SELECT count(*) FROM posts WHERE status = 'draft'")[0][0], 2, "two drafts stored")

    # -- refusals: nothing stored, a reason given
    before = c.sql("SELECT count(*) FROM posts")[0][0]
    big = "---\ntitle: Big\n---\n" + "a" * (512 * 1024 + 1)
    for why, args, text, needle in (
            ("no title", ["--team", "web"], "Just text\n", "title: The weeknote needs a title"),
            ("a bad date", ["--team", "web"], "---\ntitle: T\ndate: someday\n---\nx\n", "date: The date must"),
            ("a future date", ["--team", "web"], "---\ntitle: T\ndate: 2030-01-01\n---\nx\n", "today or earlier"),
            ("an unclosed front matter", ["--team", "web"], "---\ntitle: T\nx\n", "never closed"),
            ("no text", ["--team", "web"], "# Title only\n", "needs some text"),
            ("an unknown team", ["--team", "nope"], "# T\nx\n", 'no team "nope"'),
            ("no team of two", [], "# T\nx\n", "which team?"),
            ("over 512 KiB", ["--team", "web"], big, "512 KiB")):
        r = c.run("post", "-", *args, input=text)
        t.eq(r.returncode, 1, f"crier post refuses {why}")
        t.contains(r.stderr, needle, f"{why}: says why")
        t.eq(r.stdout, "", f"{why}: prints no permalink")
    r = c.run("post", os.path.join(c.dir, "missing.md"), "--team", "web")
    t.ok(r.returncode == 1 and "No such file" in r.stderr, "a missing file is an error")
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], before, "nothing was stored by a refusal")
    r = c.run("post")
    t.eq(r.returncode, 2, "crier post without a file is a usage error")
    r = c.run("post", "--help")
    t.ok(r.returncode == 0 and "front matter" in r.stdout, "crier post --help")

# one team: --team may be left out
c1 = Crier(config="[team solo]\nname = Solo\n")
r = c1.run("post", "-", input="# Solo weeknotes\nHello.\n")
t.eq(r.returncode, 0, "with one team, --team may be left out")
t.contains(r.stdout, "/post/1-solo-weeknotes", "and the post is published")
c1.cleanup()
c.cleanup()
t.done()
