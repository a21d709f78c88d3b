"""Helpers for the plugin tests (stdlib only).

    from pluginlib import PLUGIN_DIR, rss, trace_lines
    Crier(crier_keys={"plugin_dir": PLUGIN_DIR, ...})

PLUGIN_DIR is where libtool leaves the shipped plugins in the build tree
(plugins/.libs/*.so): the real shared objects `make install` copies.
"""

import os
import re
from xml.sax.saxutils import escape

from crierlib import BUILDDIR

PLUGIN_DIR = os.path.join(BUILDDIR, "plugins", ".libs")


def rss(items, title="Team blog"):
    """An RSS 2.0 document: items are (guid, title, description[, pubdate])."""
    out = []
    for i, it in enumerate(items):
        guid, t, desc = it[0], it[1], it[2]
        date = it[3] if len(it) > 3 else f"Mon, 16 Nov 2026 0{i % 10}:00:00 GMT"
        out.append(f"<item><title>{escape(t)}</title><link>https://team.example/{guid}</link>"
                   f"<guid>{guid}</guid><pubDate>{date}</pubDate>"
                   f"<description>{escape(desc)}</description></item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>https://team.example/</link><description>d</description>{''.join(out)}"
            f"</channel></rss>")


def trace_lines(path):
    """The example plugin's trace file as a list of lines ([] when absent)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def index_of(lines, pattern, start=0):
    """Index of the first line at or after start matching the regex, or -1."""
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    return -1


def tags_of(c, guid):
    """Tag slugs of the post with this guid, as a set."""
    return {row[0] for row in c.sql("SELECT t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
                                    "JOIN posts p ON p.id = pt.post_id WHERE p.guid = ?", (guid,))}


def config_keys(c, srv=None, **extra):
    """[crier] keys for Crier.write_config(): c's data_dir, a free port, the
    source tree's themes, debug logs, the build tree's plugins, and srv
    (a FixtureServer) allowed as a private host."""
    from crierlib import SRCDIR, free_port
    keys = {"data_dir": c.data_dir, "listen": f"127.0.0.1:{free_port()}",
            "themes_dir": os.path.join(SRCDIR, "themes"), "log_level": "debug",
            "plugin_dir": PLUGIN_DIR}
    if srv is not None:
        keys["allow_private_hosts"] = srv.hostport
    keys.update(extra)
    return keys
