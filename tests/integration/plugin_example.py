"""The example plugin, twice, through the real pipeline: hook order (config
order; the second sees the first's tag), CRIER_DROP (later plugins never
see the post and it is not stored), a failing hook's edits undone,
post_stored for new and changed posts only, feed_fetched with the
outcome (failures counted), config passing, render values in a real
page, and local posts (a team seed folder) through post_filter and
post_published."""

import os

from crierlib import SRCDIR, Crier, free_port, stopped_cleanly
from fixture_server import FixtureServer
from pluginlib import PLUGIN_DIR, index_of, rss, tags_of, trace_lines
from tap import TAP

t = TAP()
NOW = 1795000000

ITEMS = [("g1", "Hello WCAG", "first post"),
         ("g2", "Casino night", "to be dropped"),
         ("g3", "Broken thing", "the first plugin fails on it"),
         ("g4", "Plain", "nothing special")]

with FixtureServer() as srv, Crier(crier_keys={"allow_private_hosts": srv.hostport,
                                                "plugin_dir": PLUGIN_DIR}) as c:
    trace = os.path.join(c.dir, "trace")
    seed = os.path.join(c.dir, "seed")
    os.makedirs(seed)
    with open(os.path.join(seed, "2026-11-16-notes.md"), "w") as f:
        f.write("---\ntitle: Weeknotes 1\ntags: weeknotes\n---\nCaf&eacute; &copy; notes.\n")
    themes = os.path.join(c.dir, "themes")
    os.makedirs(os.path.join(themes, "plug", "partials"))
    os.symlink(os.path.join(SRCDIR, "themes", "default"), os.path.join(themes, "default"))
    with open(os.path.join(themes, "plug", "partials", "footer.mustache"), "w") as f:
        f.write('<footer><p id="greeting">{{plugins.first.greeting}}</p></footer>\n')
    feed_url = srv.url("/blog.xml")
    srv.set("/blog.xml", body=rss(ITEMS), content_type="application/rss+xml")
    c.write_config({"data_dir": c.data_dir, "listen": f"127.0.0.1:{free_port()}", "themes_dir": themes,
                    "theme": "plug", "log_level": "debug", "allow_private_hosts": srv.hostport,
                    "plugin_dir": PLUGIN_DIR},
                   f"[feed {feed_url}]\nname = Team blog\n"
                   f"[team t]\nname = Team T\nseed = {seed}\n"
                   f"[plugin first]\npath = example.so\ntrace = {trace}\ntag = from-first\n"
                   f"drop_title = casino\nfail_title = broken\ngreeting = Hi <there>\n"
                   f"[plugin second]\npath = example.so\ntrace = {trace}\ntag = from-second\n")

    r = c.run("check-config")
    t.eq(r.returncode, 0, "check-config accepts two instances of a CRIER_PLUGIN_MULTI plugin")
    t.contains(r.stdout, "2 plugins", "and counts them")
    t.eq(trace_lines(trace), ["first init", "second init", "second fini", "first fini"],
         "check-config starts and stops each plugin (fini in reverse order)")
    os.unlink(trace)

    r = c.run("fetch", env={"CRIER_FAKE_NOW": str(NOW)})
    t.eq(r.returncode, 0, "fetch with plugins exits 0")
    t.contains(r.stdout, "3 new posts", "three of four posts stored (one dropped)")
    log = r.stderr
    t.contains(log, 'msg="plugin loaded" plugin=first name=example version=1.0', "first loaded")
    t.contains(log, "hooks=feed_fetched,post_filter,post_stored,post_published,micropub,render,"
               "digest_published", "with every hook listed")
    lines = trace_lines(trace)

    # -- post_filter in config order; the second sees the first's edits
    a, b = index_of(lines, r"^first post_filter guid=g1 "), index_of(lines, r"^second post_filter guid=g1 ")
    t.ok(0 <= a < b, "post_filter: first, then second (config order)", "\n".join(lines))
    t.contains(lines[b], "tags=from-first", "the second sees the tag the first added")
    t.eq(tags_of(c, "g1"), {"from-first", "from-second"}, "both plugin tags stored")
    t.eq(c.sql("SELECT origin FROM post_tags pt JOIN posts p ON p.id = pt.post_id WHERE p.guid = 'g1'"),
         [("plugin",), ("plugin",)], "with origin plugin")

    # -- CRIER_DROP: not stored, later plugins never see it
    t.ok(index_of(lines, r"^first post_filter guid=g2 ") >= 0, "the first sees the casino post")
    t.eq(index_of(lines, r"^second post_filter guid=g2 "), -1, "the second never does (dropped)")
    t.eq(index_of(lines, r"post_stored guid=g2 "), -1, "a dropped post is not announced as stored")
    t.eq(c.sql("SELECT count(*) FROM posts WHERE guid = 'g2'")[0][0], 0, "and not stored")
    t.contains(log, 'msg="post dropped" plugin=first title="Casino night"', "the plugin's own log line")

    # -- a failing hook: logged with the plugin's name, its edits undone, the post goes on
    t.contains(log, 'msg="plugin hook failed; going on as if it had not run" plugin=first '
               'hook=post_filter rc=-1 post=g3', "the failure is logged with plugin and post")
    t.eq(c.sql("SELECT title FROM posts WHERE guid = 'g3'"), [("Broken thing",)],
         "the failed plugin's title edit is undone")
    t.eq(tags_of(c, "g3"), {"from-second"}, "its tag too; later plugins still run")

    # -- post_stored after the commit, in order; feed_fetched once the outcome is known
    stored = [ln for ln in lines if " post_stored " in ln]
    t.eq(len(stored), 6, "post_stored: three posts, two plugins")
    t.ok(all("change=new" in ln and ln.endswith("feed=Team blog") for ln in stored),
         "change=new, with the feed's name", "\n".join(stored))
    t.ok(stored[0].startswith("first ") and stored[1].startswith("second "), "observers in config order too")
    ff = index_of(lines, r"^first feed_fetched ")
    t.ok(ff > index_of(lines, r"^second post_stored guid=g4 "), "feed_fetched comes once the posts are stored")
    t.contains(lines[ff], "status=200 errors=0 unchanged=0 error=-", "with the fetch's outcome")

    # -- a changed post: post_stored only for it, change=updated
    os.unlink(trace)
    changed = [ITEMS[0], ITEMS[1], ITEMS[2], ("g4", "Plain, corrected", "nothing special at all")]
    srv.set("/blog.xml", body=rss(changed), content_type="application/rss+xml")
    r = c.run("fetch", "--all", env={"CRIER_FAKE_NOW": str(NOW + 60)})
    lines = trace_lines(trace)
    stored = [ln for ln in lines if " post_stored " in ln]
    t.eq(len(stored), 2, "only the changed post is announced (by both plugins)")
    t.ok(all("guid=g4 change=updated" in ln for ln in stored), "as updated", "\n".join(stored))

    # -- a failing fetch: feed_fetched counts the failures
    os.unlink(trace)
    srv.set("/blog.xml", status=500, body="oops")
    c.run("fetch", "--all", env={"CRIER_FAKE_NOW": str(NOW + 120)})
    c.run("fetch", "--all", env={"CRIER_FAKE_NOW": str(NOW + 180)})
    ff = [ln for ln in trace_lines(trace) if ln.startswith("first feed_fetched")]
    t.eq(len(ff), 2, "feed_fetched for failed fetches too")
    t.contains(ff[0], "status=500 errors=1 unchanged=0 error=HTTP 500 Internal Server Error",
               "the first failure, with the error as the sources page shows it")
    t.contains(ff[1], "errors=2", "failures in a row are counted")
    srv.set("/blog.xml", status=304, body="")
    c.run("fetch", "--all", env={"CRIER_FAKE_NOW": str(NOW + 240)})
    ff = [ln for ln in trace_lines(trace) if ln.startswith("first feed_fetched")]
    t.contains(ff[-1], "status=304 errors=0 unchanged=1", "a 304 is a success, unchanged")

    # -- serve: the seed post through post_filter and post_published; render values in a page
    os.unlink(trace)
    d = c.serve()
    with stopped_cleanly(t, d, "serve with plugins"):
        d.wait_for(r'msg="post published"')
        status, _, body = d.get("/")
        t.eq(status, 200, "the river renders with plugins")
        t.contains(body.decode(), '<p id="greeting">Hi &lt;there&gt;</p>',
                   "render: {{plugins.first.greeting}} reaches the template, escaped")
        status, _, body = d.get("/nowhere")
        t.eq(status, 404, "an error page renders too")
    lines = trace_lines(trace)
    pf = index_of(lines, r"^first post_filter guid=seed:t/2026-11-16-notes.md kind=local")
    t.ok(pf >= 0, "post_filter runs for a published (local) post", "\n".join(lines))
    t.contains(lines[pf] if pf >= 0 else "", "tags=weeknotes", "after its own categories")
    pp = index_of(lines, r"^second post_published guid=seed:t/2026-11-16-notes.md change=published url=http")
    t.ok(pp > pf, "post_published follows, with its permalink", "\n".join(lines))
    t.ok(index_of(lines, r"^first render template=river path=/$") >= 0, "render: template and path")
    t.ok(index_of(lines, r"^first render template=error path=/nowhere$") >= 0, "render: error pages too")
    t.eq(lines[-2:], ["second fini", "first fini"], "plugins stop when the daemon stops")
    t.eq(tags_of(c, "seed:t/2026-11-16-notes.md"), {"weeknotes", "from-first", "from-second"},
         "the local post keeps its tag and gets the plugins'")
    html = c.sql("SELECT content_html FROM posts WHERE guid = 'seed:t/2026-11-16-notes.md'")[0][0]
    t.contains(html, "Café © notes.", "Markdown entities render (md4c is not bound to crier's "
               "own entity_lookup: daemon symbols are hidden)")

t.done()
