"""micropub.rocks server tests 300 and 301 (multipart creates with photo
files) against the real daemon: the photos are stored as media, served
back byte for byte, and shown in the post.  Also Micro.blog's habits
(multipart for everything, mp-photo-alt[]) and refused files."""

import re
import urllib.parse

from crierlib import stopped_cleanly
from micropublib import Client, base_url, error_of, gif_bytes, jpeg_bytes, png_bytes, publishing_crier
from tap import TAP

t = TAP()
c, token = publishing_crier()
BASE = base_url(c)
SUNSET, CITY = jpeg_bytes(), png_bytes((10, 10, 40))


def media_urls(page):
    return re.findall(r'src="(' + re.escape(BASE) + r'media/[^"]+)"', page)


def media_count():
    return c.sql("SELECT count(*) FROM media")[0][0]


with stopped_cleanly(t, c.serve()) as d:
    mp = Client(d, token)

    def fetch(url):
        return d.get(urllib.parse.urlsplit(url).path)

    # 300: one photo
    status, h, _ = mp.multipart([("h", "entry"), ("content", "Nice sunset tonight")],
                                [("photo", "sunset.jpg", "image/jpeg", SUNSET)])
    t.eq(status, 201, "300: 201 Created")
    loc = h.get("location", "")
    t.ok(loc.startswith(BASE + "post/"), "300: absolute Location", loc)
    status, page = mp.page(loc)
    t.contains(page, "Nice sunset tonight", "300: the page shows the content")
    urls = media_urls(page)
    t.eq(len(urls), 1, "300: the page shows one photo from this site's media")
    t.ok(urls and urls[0].endswith(".jpg"), "300: named .jpg", urls)
    status, mh, body = fetch(urls[0])
    t.eq(status, 200, "300: the photo is served")
    t.eq(mh.get("content-type"), "image/jpeg", "300: as image/jpeg")
    t.eq(body, SUNSET, "300: byte for byte")
    t.eq(mh.get("cache-control"), "public, max-age=31536000", "300: cacheable for a year")
    t.eq(mp.source(loc)["properties"].get("photo"), urls, "300: q=source lists the stored photo URL")

    # 301: two photos as photo[]
    status, h, _ = mp.multipart([("h", "entry"), ("content", "This post should have two photos")],
                                [("photo[]", "sunset.jpg", "image/jpeg", SUNSET),
                                 ("photo[]", "city-at-night.png", "image/png", CITY)])
    t.eq(status, 201, "301: 201 Created")
    loc = h.get("location", "")
    status, page = mp.page(loc)
    urls = media_urls(page)
    t.eq(len(urls), 2, "301: the page shows both photos")
    if len(urls) == 2:
        t.eq(fetch(urls[0])[2], SUNSET, "301: the first photo, byte for byte")
        t.eq(fetch(urls[1])[1].get("content-type"), "image/png", "301: the second is image/png")
        t.eq(fetch(urls[1])[2], CITY, "301: byte for byte")

    # Micro.blog: multipart with text fields only, categories with []
    status, h, _ = mp.multipart([("h", "entry"), ("content", "Posted from an app"),
                                 ("category[]", "apps"), ("category[]", "phones")])
    t.eq(status, 201, "multipart without files: 201")
    t.eq(mp.source(h.get("location", ""))["properties"].get("category"), ["apps", "phones"],
         "multipart categories kept")

    # mp-photo-alt[] gives each uploaded photo its alt text
    status, h, _ = mp.multipart([("h", "entry"), ("content", "With alt"), ("mp-photo-alt[]", "A tiny gif")],
                                [("photo", "tiny.gif", "image/gif", gif_bytes())])
    t.eq(status, 201, "photo file with mp-photo-alt: 201")
    status, page = mp.page(h.get("location", ""))
    imgs = [tag for tag in re.findall(r"<img [^>]*>", page)
            if re.search(r'src="' + re.escape(BASE) + r'media/\d+-[0-9a-f]{16}\.gif"', tag)]
    t.ok(len(imgs) == 1 and 'alt="A tiny gif"' in imgs[0], "the uploaded gif has its alt text", imgs)

    # the token can be a multipart field too
    status, h, _ = mp.multipart([("h", "entry"), ("content", "token in a part"), ("access_token", token)],
                                token=None)
    t.eq(status, 201, "access_token as a multipart field: 201")
    t.ok("access_token" not in mp.source(h.get("location", ""))["properties"], "and it is not kept")

    # refused files: nothing is stored
    posts, media = c.sql("SELECT count(*) FROM posts")[0][0], media_count()
    status, _, body = mp.multipart([("h", "entry"), ("content", "not an image")],
                                   [("photo", "evil.jpg", "image/jpeg", b"<script>alert(1)</script>")])
    t.eq(status, 415, "a photo that is not an image: 415")
    t.eq(error_of(body), "invalid_request", "with invalid_request")
    status, _, body = mp.multipart([("h", "entry"), ("content", "a video")],
                                   [("video", "v.mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42")])
    t.eq(status, 400, "a video file: 400 (photos only)")
    status, _, body = mp.multipart([("h", "entry"), ("content", "good photo, bad date"),
                                    ("published", "last tuesday")],
                                   [("photo", "ok.jpg", "image/jpeg", SUNSET)])
    t.eq(status, 400, "a good photo with a bad date: 400")
    status, _, body = mp.multipart([("h", "entry"), ("content", "second photo bad")],
                                   [("photo[]", "ok.jpg", "image/jpeg", SUNSET),
                                    ("photo[]", "bad.png", "image/png", b"PNG but not really")])
    t.eq(status, 415, "one bad photo of two: 415")
    t.eq(c.sql("SELECT count(*) FROM posts")[0][0], posts, "refused creates stored no post")
    t.eq(media_count(), media, "and no media")

    # media URLs must match: wrong hash or extension is 404
    url = media_urls(mp.page(loc)[1])[0]
    path = urllib.parse.urlsplit(url).path
    t.eq(d.get(path.replace(".jpg", ".png"))[0], 404, "media with the wrong extension: 404")
    t.eq(d.get(re.sub(r"-[0-9a-f]{16}", "-0000000000000000", path))[0], 404, "media with the wrong hash: 404")
    t.eq(d.get("/media/999999-0000000000000000.jpg")[0], 404, "media that does not exist: 404")
    t.eq(d.request("POST", path)[0], 405, "media answer GET only")

t.done()
