"""Redirects: a 301/308 chain sets permanent_url; any 302/303/307 hop
clears it; more than 5 hops fail; loops fail; redirects to ftp://,
file:// or a private address by name are refused; relative Locations
work; a 3xx without Location is a final answer; a 303 turns POST into
GET and a 307 keeps POST; Authorization does not follow to another host."""

from fetchtool import fetch_one
from fixture_server import FixtureServer
from tap import TAP

t = TAP()

with FixtureServer() as srv:
    allow = ("--allow-host", srv.hostport)
    srv.set("/feed.xml", body=b"<feed/>", etag='"f"')
    final = srv.url("/feed.xml")

    start = srv.chain("/perm", [301, 308, 301], "/feed.xml")
    r = fetch_one(srv.url(start), *allow)
    t.eq((r["status"], r["error"]), (200, None), "301-308-301 chain: 200")
    t.eq(r["redirects"], 3, "three redirects counted")
    t.eq(r["final_url"], final, "final_url is the feed")
    t.eq(r["permanent_url"], final, "all hops permanent: permanent_url set")
    t.eq(r["etag"], '"f"', "validators are the final response's")

    for st in (302, 303, 307):
        start = srv.chain(f"/mixed{st}", [301, st, 308], "/feed.xml")
        r = fetch_one(srv.url(start), *allow)
        t.eq(r["final_url"], final, f"301-{st}-308: reaches the feed")
        t.eq(r["permanent_url"], None, f"301-{st}-308: no permanent_url")

    start = srv.chain("/five", [301] * 5, "/feed.xml")
    r = fetch_one(srv.url(start), *allow)
    t.eq((r["status"], r["error"], r["redirects"]), (200, None, 5), "5 hops: allowed")

    start = srv.chain("/six", [301] * 6, "/feed.xml")
    r = fetch_one(srv.url(start), *allow)
    t.eq(r["error"], "too many redirects (more than 5)", "6 hops: too many redirects")
    t.eq(r["permanent_url"], None, "failed chain: no permanent_url")
    t.eq(r["body_len"], 0, "failed chain: no body")

    srv.redirect("/loop/a", "/loop/b", 302)
    srv.redirect("/loop/b", "/loop/a", 302)
    r = fetch_one(srv.url("/loop/a"), *allow)
    t.contains(r["error"], "too many redirects", "redirect loop ends")

    srv.set("/rel/x", status=301, location="../feed.xml")
    r = fetch_one(srv.url("/rel/x"), *allow)
    t.eq((r["status"], r["final_url"]), (200, final), "relative Location resolved")

    for target in ("ftp://example.org/feed.xml", "file:///etc/passwd",
                   "gopher://example.org/1", "javascript:alert(1)"):
        srv.redirect("/bad", target, 302)
        r = fetch_one(srv.url("/bad"), *allow)
        t.contains(r["error"], "redirect to a non-http(s) URL refused",
                   f"redirect to {target.split(':')[0]}: refused")

    n = len(srv.log())
    srv.redirect("/tolocal", srv.url("/feed.xml", host="localhost"), 301)
    r = fetch_one(srv.url("/tolocal"), *allow)
    t.contains(r["error"], "private or loopback address",
               "redirect to localhost (not allowed by name): refused at connect")
    t.eq(len(srv.log()) - n, 1, "the refused hop never reached the server")
    r = fetch_one(srv.url("/tolocal"), *allow, "--allow-host", "localhost")
    t.eq((r["status"], r["error"]), (200, None), "allowed once localhost is listed too")

    srv.set("/noloc", status=301)
    r = fetch_one(srv.url("/noloc"), *allow)
    t.eq((r["status"], r["error"], r["redirects"]), (301, None, 0),
         "3xx without Location: a final answer")

    srv.set("/sink", status=200, body=b"ok")
    srv.redirect("/post303", "/sink", 303)
    r = fetch_one(srv.url("/post303"), *allow, "--post", "a=1",
                  "--content-type", "application/x-www-form-urlencoded")
    t.eq(r["status"], 200, "POST through a 303: 200")
    t.eq(srv.last("/post303").method, "POST", "first hop was a POST")
    t.eq(srv.last("/sink").method, "GET", "303: the next hop is a GET")
    srv.redirect("/post307", "/sink", 307)
    r = fetch_one(srv.url("/post307"), *allow, "--post", "a=2")
    t.eq((srv.last("/sink").method, srv.last("/sink").body), ("POST", b"a=2"),
         "307: the POST and its body are repeated")

    srv.redirect("/auth", srv.url("/sink", host="localhost"), 302)
    r = fetch_one(srv.url("/auth"), "--allow-private", "--header", "Authorization: Bearer s3cret",
                  "--header", "X-Kept: yes")
    t.eq(srv.last("/auth").headers.get("authorization"), "Bearer s3cret",
         "Authorization sent to the first host")
    t.eq(srv.last("/sink").headers.get("authorization"), None,
         "Authorization not sent to another host")
    t.eq(srv.last("/sink").headers.get("x-kept"), "yes", "other extra headers follow")

t.done()
