"""micropub.rocks server tests 700-702 (the media endpoint) against the
real daemon: discover it with q=config, upload a JPEG, PNG and GIF as
one multipart part named "file", get 201 and a Location that serves the
same bytes with the exact Content-Type.  Also WebP, and every refusal:
not an image, wrong part, two files, no token, no media scope, too
large (max_media_bytes)."""

import urllib.parse

from crierlib import stopped_cleanly
from micropublib import (Client, base_url, error_of, gif_bytes, jpeg_bytes, new_token, 
                         png_bytes, publishing_crier, webp_header_bytes)
from tap import TAP

t = TAP()
c, token = publishing_crier(keys={"max_media_bytes": "64k"})
BASE = base_url(c)
create_only = new_token(c, "web", "create")


def media_rows():
    return c.sql("SELECT count(*) FROM media")[0][0]


with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)
    status, _, cfg = mp.query({"q": "config"})
    endpoint = (cfg or {}).get("media-endpoint", "")
    path = urllib.parse.urlsplit(endpoint).path
    t.eq(endpoint, BASE + "micropub/media", "q=config names the media endpoint (absolute)")

    def upload(num, filename, ctype, data, want_type):
        status, h, body = mp.multipart([], [("file", filename, ctype, data)], path=path)
        t.eq(status, 201, f"{num}: 201 Created")
        loc = h.get("location", "")
        t.ok(loc.startswith(BASE + "media/"), f"{num}: Location is an absolute media URL", loc)
        status, mh, got = d.get(urllib.parse.urlsplit(loc).path)
        t.eq(status, 200, f"{num}: the URL exists")
        t.eq(mh.get("content-type"), want_type, f"{num}: with Content-Type {want_type}")
        t.eq(got, data, f"{num}: the same bytes")
        t.eq(mh.get("cache-control"), "public, max-age=31536000", f"{num}: cacheable for a year")
        t.ok(mh.get("etag"), f"{num}: with an ETag")
        status, _, _ = d.get(urllib.parse.urlsplit(loc).path, {"If-None-Match": mh.get("etag", "")})
        t.eq(status, 304, f"{num}: If-None-Match gives 304")
        return loc

    upload(700, "sunset.jpg", "image/jpeg", jpeg_bytes(), "image/jpeg")
    upload(701, "micropub-rocks.png", "image/png", png_bytes(), "image/png")
    upload(702, "w3c-socialwg.gif", "image/gif", gif_bytes(), "image/gif")
    # the type comes from the bytes, not from what the client says
    loc = upload("webp", "photo.bin", "application/octet-stream", webp_header_bytes(), "image/webp")
    t.ok(loc.endswith(".webp"), "the extension follows the bytes", loc)

    # an uploaded photo can then be used in a post (the usual client flow)
    status, h, _ = mp.json({"type": ["h-entry"], "properties": {"content": ["uses media"], "photo": [loc]}})
    t.eq(status, 201, "a post with the uploaded photo's URL: 201")
    t.contains(mp.page(h.get("location", ""))[1], f'src="{loc}"', "the post shows it")
    t.eq(c.sql("SELECT count(*) FROM media WHERE team_id = (SELECT id FROM teams WHERE slug = 'web')")[0][0],
         4, "media belong to the token's team")

    # refusals: nothing stored
    rows = media_rows()
    status, _, body = mp.multipart([], [("file", "x.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>")],
                                   path=path)
    t.eq(status, 415, "an SVG (not a raster image): 415")
    status, _, body = mp.multipart([], [("file", "x.txt", "text/plain", b"hello")], path=path)
    t.eq(status, 415, "a text file: 415")
    t.eq(error_of(body), "invalid_request", "with invalid_request")
    status, _, body = mp.multipart([], [("photo", "a.jpg", "image/jpeg", jpeg_bytes())], path=path)
    t.eq(status, 400, "a part not named file: 400")
    status, _, body = mp.multipart([], [("file", "a.jpg", "image/jpeg", jpeg_bytes()),
                                        ("file", "b.jpg", "image/jpeg", jpeg_bytes())], path=path)
    t.eq(status, 400, "two files: 400")
    status, _, body = mp.multipart([("name", "no file")], [], path=path)
    t.eq(status, 400, "no file: 400")
    status, _, body = mp.post(b"\xff\xd8\xff", "image/jpeg", path=path)
    t.eq(status, 415, "a bare image body (not multipart): 415")
    status, _, body = mp.post(b"x", "multipart/form-data", path=path)
    t.eq(status, 400, "multipart without a boundary: 400")
    status, h, body = mp.multipart([], [("file", "a.jpg", "image/jpeg", jpeg_bytes())], path=path, token=None)
    t.eq(status, 401, "no token: 401")
    t.eq(error_of(body), "unauthorized", "with unauthorized")
    t.contains(h.get("www-authenticate", ""), "Bearer", "and a Bearer challenge")
    status, _, body = mp.multipart([], [("file", "a.jpg", "image/jpeg", jpeg_bytes())], path=path,
                                   token=create_only)
    t.eq(status, 401, "a token without the media scope: 401")
    t.eq(error_of(body), "insufficient_scope", "with insufficient_scope")
    status, _, body = mp.multipart([("access_token", token)], [("file", "a.png", "image/png", png_bytes())],
                                   path=path, token=None)
    t.eq(status, 201, "the token as a multipart field: 201")
    rows += 1
    big = jpeg_bytes() + b"\x00" * (70 * 1024)
    status, _, body = mp.multipart([], [("file", "big.jpg", "image/jpeg", big)], path=path)
    t.eq(status, 413, "a file over max_media_bytes (64k): 413")
    t.eq(error_of(body), "invalid_request", "with a JSON error")
    t.eq(media_rows(), rows, "refused uploads stored nothing")
    t.eq(d.get("/healthz")[0], 200, "the daemon still serves")

t.done()
