"""autotag through the real pipeline: keyword lists become tags on whole
words only, case-insensitively, across runs of whitespace, in the
fields configured (globally and per tag); its config errors reach
`crier check-config` with their lines, and a refused autotag leaves the
pipeline running."""

from crierlib import Crier
from fixture_server import FixtureServer
from pluginlib import PLUGIN_DIR, rss, tags_of
from tap import TAP

t = TAP()

ITEMS = [
    ("t1", "WCAG 2.2 is here", "news"),
    ("t2", "Tools we use", "Using a Screen\n   Reader every day"),
    ("t3", "a11yness is not a word", "nothing"),
    ("t4", "A11Y tips", "short"),
    ("t5", "New datasets published", "we published"),
    ("t6", "Counting things", "a dataset in the text only"),
    ("t7", "wcagé and wcag_2 are not the word", "xwcag"),
    ("t8", "Open  data day", "-"),
    ("t10", "Learning C++ on GOV.UK", "-"),
    ("t11", "abc++ and notgov.uk", "-"),
]

RULES = ("[plugin autotag]\npath = autotag.so\nfields = title, summary, content\n"
         "tag.accessibility = wcag, screen reader, a11y\n"
         "tag.Open Data = dataset, datasets, open data\n"
         "fields.Open Data = title\n"
         "tag.cpp = c++\ntag.govuk = gov.uk\n")

with FixtureServer() as srv, Crier(crier_keys={"allow_private_hosts": srv.hostport,
                                                "plugin_dir": PLUGIN_DIR}) as c:
    srv.set("/blog.xml", body=rss(ITEMS), content_type="application/rss+xml")
    keys = {"data_dir": c.data_dir, "allow_private_hosts": srv.hostport, "plugin_dir": PLUGIN_DIR,
            "log_level": "debug"}
    c.write_config(keys, f"[feed {srv.url('/blog.xml')}]\n" + RULES)
    r = c.run("check-config")
    t.eq(r.returncode, 0, "check-config accepts the rules")
    r = c.run("fetch")
    t.eq(r.returncode, 0, "fetch exits 0")
    t.contains(r.stderr, "autotag ready\" plugin=autotag rules=4", "four rules read")
    t.eq(tags_of(c, "t1"), {"accessibility"}, "a keyword in the title (case-insensitive)")
    t.eq(tags_of(c, "t2"), {"accessibility"}, "a two-word keyword across a line break and spaces")
    t.eq(tags_of(c, "t3"), set(), "no match inside a longer word")
    t.eq(tags_of(c, "t4"), {"accessibility"}, "upper-case A11Y matches a11y")
    t.eq(tags_of(c, "t5"), {"open-data"}, "a label with a space becomes the open-data tag")
    t.eq(tags_of(c, "t6"), set(), "fields.LABEL = title: the content is not searched for that tag")
    t.eq(tags_of(c, "t7"), set(), "a UTF-8 letter or _ next to the keyword is part of the word")
    t.eq(tags_of(c, "t8"), {"open-data"}, "runs of spaces in the text match one in the keyword")
    t.eq(tags_of(c, "t10"), {"cpp", "govuk"}, "keywords with punctuation (c++, gov.uk)")
    t.eq(tags_of(c, "t11"), set(), "need a boundary where they start with a letter")
    t.eq(c.sql("SELECT DISTINCT origin FROM post_tags"), [("plugin",)], "tags come with origin plugin")
    t.eq(c.sql("SELECT label FROM tags WHERE slug = 'open-data'"), [("Open Data",)],
         "the label is kept as written")

    # -- config errors, with their lines, and a refusal that leaves the rest running
    bad = ("[plugin autotag]\npath = autotag.so\n"      # lines 7-8, after [crier] (1-5) and [feed] (6)
           "fields = title, body\n"
           "tag.empty = ,\n"
           "colour = blue\n")
    c.write_config(keys, f"[feed {srv.url('/blog.xml')}]\n" + bad)
    r = c.run("check-config")
    t.eq(r.returncode, 1, "check-config fails on bad autotag keys")
    err = r.stderr.splitlines()
    t.ok(any(ln.endswith(":9: [plugin autotag] fields: unknown field (known: title, summary, content, "
                         "author)") for ln in err), "an unknown field, with its line", r.stderr)
    t.ok(any(":11: [plugin autotag] colour: unknown key" in ln for ln in err), "an unknown key, with its line",
         r.stderr)
    t.ok(any(':7: [plugin autotag] "autotag" did not start (its init returned -1): see the problem above; '
             "fix its keys, then reload or restart" in ln for ln in err), "the refusal says why and what to do",
         r.stderr)
    t.contains(r.stderr, "1 plugin refused", "and counts it")
    c.write_config(keys, f"[feed {srv.url('/blog.xml')}]\n[plugin autotag]\npath = autotag.so\n"
                   "tag.empty = , ,\n")
    r = c.run("check-config")
    t.contains(r.stderr, "[plugin autotag] tag.empty: has no keywords", "a tag without keywords")
    c.write_config(keys, f"[feed {srv.url('/blog.xml')}]\n[plugin autotag]\npath = autotag.so\n")
    r = c.run("check-config")
    t.contains(r.stderr, "[plugin autotag] no tag.LABEL = keyword, keyword keys: nothing to tag",
               "no rules at all")
    srv.set("/blog.xml", body=rss(ITEMS + [("t9", "WCAG again", "x")]), content_type="application/rss+xml")
    r = c.run("fetch", "--all")
    t.eq(r.returncode, 0, "fetch still runs with autotag refused")
    t.contains(r.stderr, 'msg="plugin refused" plugin=autotag', "the refusal is logged")
    t.eq(tags_of(c, "t9"), set(), "and the post is stored, untagged")

t.done()
