"""micropub.rocks server tests 800-804 (authentication) against the real
daemon: the token in the Authorization header or in the body, never
stored with the post, 401 unauthorized without one, 401
insufficient_scope without the scope; also matching tokens in both
places (accepted) and different ones (400, as in 805), revoked tokens,
last use, and 403 forbidden for another team's posts."""

import os

from crierlib import stopped_cleanly
from micropublib import Client, base_url, error_of, new_token, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
update_only = new_token(c, "web", "update", name="no-create")
c.run("team", "add", "data", "--name", "Data team")
data_token = new_token(c, "data", "create,update,delete")
new_token(c, "web", "media", name="never")


def posts():
    return c.sql("SELECT count(*) FROM posts")[0][0]


def tokens():
    return {x["name"]: x for x in c.run_json("token", "list", "--json")}


with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    # 800: token in the Authorization header
    status, h, _ = mp.form([("h", "entry"), ("content", "Testing accepting access token in HTTP Authorization header")])
    t.eq(status, 201, "800: 201 with the token in the header")
    t.ok(h.get("location", "").startswith(BASE), "800: with a Location")

    # 801 and 802: token in the body, and never stored with the post
    status, h, _ = mp.form([("h", "entry"), ("content", "Testing accepting access token in post body"),
                            ("access_token", token)], token=None)
    t.eq(status, 201, "801: 201 with the token in the body")
    loc = h.get("location", "")
    props = mp.source(loc)["properties"]
    t.eq(props.get("content"), ["Testing accepting access token in post body"], "802: q=source has the content")
    t.ok("access_token" not in props, "802: and no access_token")
    dump = "\n".join(str(row) for table in ("posts", "tags", "outbox", "media")
                     for row in c.sql(f"SELECT * FROM {table}"))
    t.not_contains(dump, token, "802: the token is nowhere in posts, tags, outbox or media")
    t.not_contains(mp.page(loc)[1], token, "802: nor on the page")
    t.not_contains(open(d.log_path).read(), token, "802: nor in the log")
    files = [f"{c.data_dir}/crier.db"] + ([f"{c.data_dir}/crier.db-wal"] if os.path.exists(f"{c.data_dir}/crier.db-wal") else [])
    t.ok(all(token.encode() not in open(f, "rb").read() for f in files), "802: nor anywhere in the database files")

    # 803: no token
    before = posts()
    status, h, body = mp.form([("h", "entry"), ("content", "Testing unauthenticated request. This should not create a post.")],
                              token=None)
    t.eq(status, 401, "803: no token is 401")
    t.eq(error_of(body), "unauthorized", "803: error unauthorized")
    t.contains(h.get("www-authenticate", ""), "Bearer", "803: with a Bearer challenge")
    t.eq(posts(), before, "803: no post was created")

    # 804: a valid token without the create scope
    status, _, body = mp.form([("h", "entry"), ("content", "Testing a request with an unauthorized access token. "
                                                           "This should not create a post.")], token=update_only)
    t.eq(status, 401, "804: a token without create is 401")
    t.eq(error_of(body), "insufficient_scope", "804: error insufficient_scope")
    t.eq(posts(), before, "804: no post was created")

    # the same token in the header and the body is accepted; different ones are refused (805)
    status, _, _ = mp.form([("h", "entry"), ("content", "Same token twice"), ("access_token", token)])
    t.eq(status, 201, "the same token in header and body: 201")
    before = posts()
    status, _, body = mp.form([("h", "entry"), ("content", "Two tokens"), ("access_token", data_token)])
    t.eq(status, 400, "different tokens in header and body: 400")
    t.eq(error_of(body), "invalid_request", "with invalid_request")
    t.eq(posts(), before, "and nothing was created")

    # bad tokens
    for name, bad in (("an unknown token", "crier_" + "x" * 43), ("garbage", "not-a-token"),
                      ("an empty Bearer", "")):
        status, _, body = mp.form([("h", "entry"), ("content", "x")], token=bad)
        t.eq(status, 401, f"{name}: 401")
        t.eq(error_of(body), "unauthorized", f"{name}: unauthorized")
    status, _, body = mp.post("h=entry&content=x", "application/x-www-form-urlencoded",
                              headers={"Authorization": f"Basic {token}"}, token=None)
    t.eq(status, 401, "a Basic Authorization header: 401")
    status, _, body = mp.post("{bad json", "application/json", token=None)
    t.eq(status, 401, "a malformed body without a token: 401 first (nothing is parsed for strangers)")

    # scopes for the other actions
    status, _, body = mp.json({"action": "delete", "url": loc}, token=update_only)
    t.eq((status, error_of(body)), (401, "insufficient_scope"), "delete without the delete scope: 401 insufficient_scope")
    status, _, body = mp.json({"action": "undelete", "url": loc}, token=update_only)
    t.eq((status, error_of(body)), (401, "insufficient_scope"), "undelete needs the delete scope")
    status, _, body = mp.json({"action": "update", "url": loc, "replace": {"content": ["x"]}},
                              token=new_token(c, "web", "create,delete", name="no-update"))
    t.eq((status, error_of(body)), (401, "insufficient_scope"), "update without the update scope")

    # 403: another team's post
    status, _, body = mp.json({"action": "update", "url": loc, "replace": {"content": ["taken over"]}},
                              token=data_token)
    t.eq((status, error_of(body)), (403, "forbidden"), "updating another team's post: 403 forbidden")
    status, _, body = mp.json({"action": "delete", "url": loc}, token=data_token)
    t.eq((status, error_of(body)), (403, "forbidden"), "deleting another team's post: 403 forbidden")
    t.eq(mp.source(loc)["properties"]["content"], ["Testing accepting access token in post body"],
         "the post is untouched")
    status, h, _ = mp.form([("h", "entry"), ("content", "Data team post")], token=data_token)
    t.eq(status, 201, "the other team's token creates its own post")
    t.contains(d.get("/team/data")[2].decode(), "Data team post", "on its own team page")
    t.not_contains(d.get("/team/web")[2].decode(), "Data team post", "not on the first team's")

    # last use is recorded; revoked tokens stop working at once
    used = tokens()
    t.ok(used["test"]["last_used_at"] is not None, "token list shows when a token was last used")
    t.eq(used["never"]["last_used_at"], None, "an unused token shows none")
    r = c.run("token", "revoke", str(used["no-create"]["id"]))
    t.eq(r.returncode, 0, "crier token revoke exits 0")
    status, _, body = mp.json({"action": "update", "url": loc, "replace": {"content": ["x"]}}, token=update_only)
    t.eq((status, error_of(body)), (401, "unauthorized"), "a revoked token is refused at once (401)")
    t.ok(tokens()["no-create"]["revoked"], "and token list shows it revoked")

t.done()
