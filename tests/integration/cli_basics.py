"""The command line: help, versions, config errors, feeds, OPML, serve."""

import os
import signal
import xml.etree.ElementTree as ET

from crierlib import CRIER, SRCDIR, Crier, stopped_cleanly
from tap import TAP
import subprocess

t = TAP()


def crier(*args, **kw):
    return subprocess.run([CRIER, *args], capture_output=True, text=True, **kw)


# -- help and usage
r = crier("--help")
t.eq(r.returncode, 0, "--help exits 0")
for cmd in ("serve", "fetch", "feeds", "opml", "parse", "check-config"):
    t.contains(r.stdout, f"  {cmd} ", f"--help lists {cmd}")
    h = crier(cmd, "--help")
    t.ok(h.returncode == 0 and "usage: crier" in h.stdout, f"crier {cmd} --help", h.stderr)
r = crier("--version")
t.ok(r.returncode == 0 and r.stdout.startswith("crier "), "--version prints the version")
r = crier("frobnicate")
t.eq(r.returncode, 2, "an unknown command exits 2")
t.contains(r.stderr, 'unknown command "frobnicate"', "and says which")
r = crier()
t.eq(r.returncode, 2, "no command exits 2 with usage")

# -- check-config
r = crier("-c", os.path.join(SRCDIR, "config", "crier.conf.example"), "check-config")
t.eq(r.returncode, 0, "the example config passes check-config")
t.contains(r.stdout, "OK (", "check-config says OK")
ex_feeds = int(r.stdout.split("OK (")[1].split(" feeds")[0])
t.ok(ex_feeds >= 10, f"the example config names 10 or more feeds ({ex_feeds})")

with Crier(config="[crier]\nbogus = 1\n[feed ftp://x/]\n[rule r]\ntitle = (\ntag = t\n") as c:
    r = c.run("check-config")
    t.eq(r.returncode, 1, "a bad config: check-config exits 1")
    lines = r.stderr.splitlines()
    t.ok(any(l.startswith(c.config_path + ":") and 'unknown key "bogus"' in l for l in lines),
         "unknown key reported as file:line", r.stderr)
    t.ok(any("a feed URL must start with http" in l for l in lines), "bad feed URL reported", r.stderr)
    t.ok(any("bad regular expression" in l for l in lines), "bad regex reported", r.stderr)
    r = c.run("feeds", "list")
    t.eq(r.returncode, 1, "other commands refuse a bad config")
    t.contains(r.stderr, "crier check-config lists them", "and point at check-config")

with Crier() as c:
    r = c.run("-c", "/nonexistent/crier.conf", "check-config")
    t.eq(r.returncode, 1, "a missing config file is an error")
    t.contains(r.stderr, "/nonexistent/crier.conf: cannot read", "naming the file")

# -- feeds add / list / rm
with Crier(config="[team web]\nname = Web team\n[feed https://config.example/feed]\nname = From config\n") as c:
    r = c.run("feeds", "add", "https://a.example/feed", "--name", "A blog", "--tag", "council",
              "--tag", "Open Data", "--team", "web")
    t.eq(r.returncode, 0, "feeds add exits 0")
    t.contains(r.stdout, "added feed #", "feeds add says what it did")
    r = c.run("feeds", "add", "https://a.example/feed")
    t.eq(r.returncode, 1, "adding the same URL twice is refused")
    t.contains(r.stderr, "already subscribed", "saying so")
    r = c.run("feeds", "add", "file:///etc/passwd")
    t.eq(r.returncode, 1, "a file:// URL is refused")
    r = c.run("feeds", "add", "https://b.example/feed", "--team", "ghost")
    t.eq(r.returncode, 1, "an unknown team is refused")
    feeds = c.run_json("feeds", "list", "--json")
    by_url = {f["url"]: f for f in feeds}
    t.eq(sorted(by_url), ["https://a.example/feed", "https://config.example/feed"],
         "feeds list shows config and runtime feeds")
    a = by_url["https://a.example/feed"]
    t.eq((a["title"], a["tags"], a["team"], a["origin"], a["post_count"], a["last_error"]),
         ("A blog", "council,Open Data", "web", "runtime", 0, None), "feed fields as added")
    for key in ("last_status", "next_fetch_at", "error_count"):
        t.ok(key in a, f"feeds list --json has {key}")
    t.eq(by_url["https://config.example/feed"]["origin"], "config", "config feeds are marked")
    r = c.run("feeds", "list")
    t.contains(r.stdout, "A blog", "human list shows the name")
    t.contains(r.stdout, "https://a.example/feed", "and the URL")
    t.contains(r.stdout, "not fetched yet", "and that it was not fetched yet")
    r = c.run("feeds", "rm", "https://config.example/feed")
    t.eq(r.returncode, 1, "a config feed cannot be removed from the CLI")
    t.contains(r.stderr, "remove its [feed] section there", "and the error says where")
    r = c.run("feeds", "rm", str(a["id"]))
    t.eq(r.returncode, 0, "feeds rm ID removes a runtime feed")
    r = c.run("feeds", "rm", "999")
    t.eq(r.returncode, 1, "feeds rm of an unknown feed fails")
    t.eq([f["url"] for f in c.run_json("feeds", "list", "--json")],
         ["https://config.example/feed"], "only the config feed is left")

# -- OPML import / export
OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Sector blogs</title></head><body>
  <outline text="Councils">
    <outline text="Digital">
      <outline type="rss" text="Council A" xmlUrl="https://council-a.example/feed" htmlUrl="https://council-a.example/"/>
    </outline>
    <outline type="rss" text="Council B" xmlUrl="https://council-b.example/feed" category="/weeknotes,/open data"/>
  </outline>
  <outline type="rss" title="Loose &amp; free" xmlUrl="https://loose.example/rss"/>
  <outline type="rss" text="Bad scheme" xmlUrl="ftp://nope.example/feed"/>
</body></opml>
"""
with Crier() as c:
    path = os.path.join(c.dir, "in.opml")
    with open(path, "w") as f:
        f.write(OPML)
    r = c.run("opml", "import", path)
    t.eq(r.returncode, 0, "opml import exits 0")
    t.contains(r.stdout, "imported 3 feeds", "three feeds imported")
    t.contains(r.stdout, "1 skipped", "the ftp:// one skipped")
    feeds = {f["url"]: f for f in c.run_json("feeds", "list", "--json")}
    t.eq(feeds["https://council-a.example/feed"]["tags"], "Councils,Digital",
         "nested outlines become tags")
    t.eq(feeds["https://council-b.example/feed"]["tags"], "Councils,weeknotes,open data",
         "category attribute becomes tags")
    t.eq(feeds["https://loose.example/rss"]["title"], "Loose & free", "title attribute used, entities decoded")
    r = c.run("opml", "import", path)
    t.contains(r.stdout, "3 already subscribed", "importing again adds nothing")
    r = c.run("opml", "export")
    t.eq(r.returncode, 0, "opml export exits 0")
    root = ET.fromstring(r.stdout)
    t.eq((root.tag, root.get("version")), ("opml", "2.0"), "export is OPML 2.0")
    t.ok(root.find("head/title") is not None and root.find("head/dateCreated") is not None,
         "export has a head with title and dateCreated")
    outlines = [o for o in root.iter("outline") if o.get("xmlUrl")]
    t.eq(sorted(o.get("xmlUrl") for o in outlines),
         ["https://council-a.example/feed", "https://council-b.example/feed", "https://loose.example/rss"],
         "every feed exported")
    folder = [o for o in root.find("body") if o.get("text") == "Councils"]
    t.ok(folder and len([o for o in folder[0] if o.get("xmlUrl")]) == 2,
         "feeds nested under their first tag")
    b = [o for o in outlines if o.get("xmlUrl") == "https://council-b.example/feed"][0]
    t.eq(b.get("category"), "/Councils,/weeknotes,/open data", "all tags in category")
    # round trip through a second store
    out = os.path.join(c.dir, "out.opml")
    t.eq(c.run("opml", "export", "-o", out).returncode, 0, "opml export -o FILE")
    with Crier() as c2:
        c2.run("opml", "import", out)
        feeds2 = {f["url"]: f["tags"] for f in c2.run_json("feeds", "list", "--json")}
        t.eq(feeds2, {u: f["tags"] for u, f in feeds.items()}, "export then import keeps feeds and tags")
    bomb = os.path.join(c.dir, "bomb.opml")
    with open(bomb, "w") as f:
        f.write('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>')
    r = c.run("opml", "import", bomb)
    t.eq(r.returncode, 1, "OPML declaring entities is refused")
    t.contains(r.stderr, "declares entities", "with a clear reason")
    junk = os.path.join(c.dir, "junk.opml")
    with open(junk, "w") as f:
        f.write("<html><body>not opml")
    r = c.run("opml", "import", junk)
    t.eq(r.returncode, 1, "a non-OPML file is refused")
    t.ok("not" in r.stderr and junk in r.stderr, "with the file name and a reason", r.stderr)

# -- serve: /healthz, SIGHUP reload, SIGTERM
with Crier() as c:
    with stopped_cleanly(t, c.serve(), "serve") as d:
        status, headers, body = d.get("/healthz")
        t.eq((status, body), (200, b"ok\n"), "/healthz answers ok")
        status, _, _ = d.get("/no-such-page")
        t.eq(status, 404, "unknown paths are 404")
        c.write_config({"data_dir": c.data_dir, "listen": f"127.0.0.1:{d.port}", "log_level": "debug"},
                       "[feed https://reloaded.example/feed]\nname = Reloaded\n")
        d.signal(signal.SIGHUP)
        d.wait_for(r'msg="config reloaded".* feeds=1')
        t.eq(c.sql("SELECT name FROM feeds WHERE url = 'https://reloaded.example/feed'"),
             [("Reloaded",)], "SIGHUP reloads the config and records its feeds")
        with open(c.config_path, "a") as f:
            f.write("[crier]\nnonsense = 1\n")
        d.signal(signal.SIGHUP)
        d.wait_for(r'keeping the running config')
        status, _, _ = d.get("/healthz")
        t.eq(status, 200, "a bad config on reload keeps the daemon running")

t.done()
