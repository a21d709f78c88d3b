"""The micropub hook through the real daemon: the example plugin refuses a
create whose content has its reject_word (the client gets a 400
invalid_request with the plugin's reason, nothing is stored) and adds its
tag to posts sent without categories."""

import json

from crierlib import stopped_cleanly
from micropublib import Client, error_of, post_count, publishing_crier
from pluginlib import PLUGIN_DIR
from tap import TAP

t = TAP()

c, token = publishing_crier(keys={"plugin_dir": PLUGIN_DIR},
                            config="[plugin ex]\npath = example.so\nreject_word = lorem\ntag = via-plugin\n")
with c, stopped_cleanly(t, c.serve(), "daemon with the example plugin") as d:
    mp = Client(d, token)
    status, h, body = mp.form([("h", "entry"), ("content", "Lorem ipsum dolor sit amet")])
    t.eq(status, 400, "a create with the reject word is refused")
    t.eq(error_of(body), "invalid_request", "as invalid_request")
    t.contains(json.loads(body).get("error_description", ""), "does not accept", "with the plugin's reason")
    t.eq(post_count(c), 0, "nothing is stored")

    status, h, body = mp.form([("h", "entry"), ("content", "Our weeknotes")])
    t.eq(status, 201, "an ordinary create goes through")
    source = mp.source(h["location"])
    t.eq(source.get("properties", {}).get("category"), ["via-plugin"],
         "the plugin's category was added to a post sent without one")
    status, h, body = mp.form([("h", "entry"), ("content", "Tagged"), ("category", "mine")])
    t.eq(mp.source(h["location"]).get("properties", {}).get("category"), ["mine"],
         "a post with its own categories keeps them")
t.done()
