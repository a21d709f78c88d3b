"""parse_cli.py: `crier parse` as a command: one JSON object per file and
line, standard input, --base, --help, and the exit status (0 even for a
feed that is not well-formed; 1 for an unreadable file, named on stderr;
2 for usage errors).  Needs no config file.
"""

import json
import os
import subprocess
import tempfile

from tap import TAP

CRIER = os.environ.get("CRIER", "./crier")
t = TAP()

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>One</title><link>/home</link>
<item><title>Post</title><link>post/1</link><guid>g1</guid>
<pubDate>Thu, 01 Jan 2004 19:48:21 GMT</pubDate></item></channel></rss>
"""
BROKEN = b"<rss version=\"2.0\"><channel><title>Cut</title><item><title>x</title>"


def run(args, stdin=None):
    env = dict(os.environ)
    env["CRIER_CONFIG"] = "/nonexistent/crier.conf"     # parse needs none
    p = subprocess.run([CRIER, "parse"] + args, input=stdin, capture_output=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


with tempfile.TemporaryDirectory() as tmp:
    good = os.path.join(tmp, "good.xml")
    broken = os.path.join(tmp, "broken.xml")
    with open(good, "wb") as f:
        f.write(RSS)
    with open(broken, "wb") as f:
        f.write(BROKEN)

    rc, out, err = run(["--base", "http://example.com/feeds/x.xml", good, broken])
    t.eq(rc, 0, "two files, one ill-formed: exit 0")
    lines = out.splitlines()
    t.eq(len(lines), 2, "one line per file")
    docs = [json.loads(line) for line in lines]
    t.eq(docs[0]["version"], "https://jsonfeed.org/version/1.1", "JSON Feed 1.1 version")
    t.eq(docs[0]["title"], "One", "feed title")
    t.eq(docs[0]["home_page_url"], "http://example.com/home", "--base resolves the channel link")
    t.eq(docs[0]["items"][0]["url"], "http://example.com/feeds/post/1", "--base resolves item links")
    t.eq(docs[0]["items"][0]["id"], "g1", "guid is the id")
    t.eq(docs[0]["items"][0]["date_published"], "2004-01-01T19:48:21Z", "dates in RFC 3339 UTC")
    t.eq(docs[0]["_crier"]["format"], "rss20", "format")
    t.eq(docs[0]["_crier"]["bozo"], False, "well-formed: not bozo")
    t.eq(docs[0]["_crier"]["encoding"], "utf-8", "encoding")
    t.eq(docs[1]["_crier"]["bozo"], True, "truncated: bozo")
    t.eq(docs[1]["items"][0]["title"], "x", "truncated: what was read is kept")
    t.eq(err, "", "nothing on stderr")

    rc, out, err = run(["-"], stdin=RSS)
    t.eq(rc, 0, "standard input: exit 0")
    t.eq(json.loads(out)["title"], "One", "standard input is read")

    rc, out, err = run([good, os.path.join(tmp, "missing.xml")])
    t.eq(rc, 1, "unreadable file: exit 1")
    t.eq(len(out.splitlines()), 1, "the readable file is still printed")
    t.contains(err, "missing.xml", "stderr names the file")

    # many files, parsed by several threads: printed in the order given
    # (more files than are parsed ahead of the printing), a missing one
    # reported in its place
    many = []
    for i in range(50):
        path = os.path.join(tmp, "f%02d.xml" % i)
        with open(path, "wb") as f:
            f.write(RSS.replace(b"<title>One</title>", b"<title>Feed %d</title>" % i)
                    .replace(b"Post", b"x" * (i * 997 % 20000)))
        many.append(path)
    many.insert(25, os.path.join(tmp, "gone.xml"))
    rc, out, err = run(many)
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    t.eq(titles, ["Feed %d" % i for i in range(50)], "50 files: one line each, in the order given")
    t.eq(rc, 1, "50 files and a missing one: exit 1")
    t.eq(err.count("gone.xml"), 1, "the missing file is named once")

    rc, out, err = run([tmp])
    t.eq(rc, 1, "a directory: exit 1")
    t.contains(err, tmp, "stderr names it")

    rc, out, err = run([])
    t.eq(rc, 2, "no file: usage error")
    t.contains(err, "usage: crier parse", "usage on stderr")

    rc, out, err = run(["--bogus", good])
    t.eq(rc, 2, "unknown option: usage error")

    rc, out, err = run(["--base"])
    t.eq(rc, 2, "--base without a URL: usage error")

    rc, out, err = run(["--help"])
    t.eq(rc, 0, "--help: exit 0")
    t.contains(out, "usage: crier parse", "--help prints the usage")

    rc, out, err = run(["--", "-"], stdin=RSS)
    t.eq(rc, 0, "-- ends the options")

t.done()
