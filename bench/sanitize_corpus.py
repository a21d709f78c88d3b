#!/usr/bin/python3
"""Check the sanitizer alone against the conformance corpus' sanitize cases.

Until `crier parse` exists, this stands in for the parser: it reads each
sanitize case with xml.etree, takes the one element the case is about
(chosen by the file name: item_description_* -> the item's description,
feed_title_* -> the feed title, ...), types it as README 1.2 says, runs
it through the sanitizer (bench/sanitize_bench filter), fills every
contract field the case's checks read with the result, and evaluates the
checks with run.py's own eval_check.  Bozo checks are skipped.

    python3 bench/sanitize_corpus.py SANITIZE_BENCH [--verbose] [FILTER...]

A developer's tool, never part of make check.
"""
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

CONF = pathlib.Path("/work/shared/conformance")
sys.path.insert(0, str(CONF))
import run  # noqa: E402  (run.py: eval_check)

CASES = CONF / "feedparser" / "cases"
XML_NS = "{http://www.w3.org/XML/1998/namespace}"

# file-name prefix -> (container, element names)
TARGETS = [
    ("item_description_", "item", ["description"]),
    ("item_content_encoded_", "item", ["encoded"]),
    ("item_fullitem_", "item", ["fullitem"]),
    ("item_xhtml_body_", "item", ["body"]),
    ("item_body_", "item", ["body"]),
    ("entry_content_", "entry", ["content"]),
    ("entry_summary_", "entry", ["summary"]),
    ("entry_title_", "entry", ["title"]),
    ("feed_title_", "feed", ["title"]),
    ("feed_tagline_", "feed", ["tagline"]),
    ("feed_subtitle_", "feed", ["subtitle"]),
    ("acceptable_", "entry", ["content"]),
    ("style_", "item", ["description"]),
    ("blogger_", "entry", ["content"]),
    ("xml_", "feed", ["title"]),
]


def local(tag):
    return tag.rsplit("}", 1)[-1]


def serialize(el, out):
    """Inline XHTML as HTML: namespace prefixes removed from names."""
    out.append("<" + local(el.tag))
    for k, v in el.attrib.items():
        if k.startswith("{"):
            continue
        out.append(' %s="%s"' % (local(k), v.replace("&", "&amp;").replace('"', "&quot;")))
    out.append(">")
    out.append(escape(el.text or ""))
    for c in el:
        serialize(c, out)
    out.append("</%s>" % local(el.tag))
    out.append(escape(el.tail or ""))


def escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def find(root, container, names):
    parents = {c: p for p in root.iter() for c in p}
    for el in root.iter():
        if local(el.tag) not in names:
            continue
        p = parents.get(el)
        pname = local(p.tag) if p is not None else ""
        if container in ("feed",) and pname in ("feed", "channel"):
            return el, parents
        if container in ("item", "entry") and pname in ("item", "entry"):
            return el, parents
    return None, parents


def base_of(el, parents, default):
    chain = []
    while el is not None:
        chain.append(el)
        el = parents.get(el)
    base = default
    for e in reversed(chain):
        b = e.get(XML_NS + "base")
        if b is not None:
            base = run_filter([("u", base or "", b)])[0] if base else b
    return base


def typed(el):
    """(kind, value): kind 'html' or 'text'."""
    t = (el.get("type") or "").lower()
    mode = el.get("mode")
    atom = el.tag.startswith("{http://www.w3.org/2005/Atom}") or \
        el.tag.startswith("{http://purl.org/atom/ns#}")
    if len(el):
        kids = list(el)
        if t == "xhtml" and len(kids) == 1 and local(kids[0].tag) == "div":
            kids, text = list(kids[0]), kids[0].text or ""
        else:
            text = el.text or ""
        out = [escape(text)]
        for c in kids:
            serialize(c, out)
        return "html", "".join(out)
    text = el.text or ""
    if t in ("text", "text/plain"):
        return "text", text
    if "html" in t or "xml" in t or mode == "escaped":
        return "html", text
    if atom:
        return "text", text
    if local(el.tag) == "title":
        return ("html" if run_filter([("l", "", text)])[0] == "1" else "text"), text
    return "html", text


def run_filter(records):
    data = b"".join(m.encode() + b"\0" + b.encode() + b"\0" + h.encode() + b"\0"
                    for m, b, h in records)
    out = subprocess.run([BENCH, "filter"], input=data, capture_output=True,
                         check=True).stdout
    return [x.decode("utf-8", "replace") for x in out.split(b"\0")[:-1]]


def doc_for(kind, value, base):
    if kind == "html":
        html, text = run_filter([("h", base or "", value), ("t", "", value)])
    else:
        html, text = None, run_filter([("c", "", value)])[0]
    item = {"title": text, "summary": text, "_crier": {}}
    if html is not None:
        item["content_html"] = html
        item["_crier"]["summary_html"] = html
    else:
        item["content_text"] = value
    doc = {"title": text, "description": text, "items": [item],
           "_crier": {"bozo": False}}
    if html is not None:
        doc["_crier"]["description_html"] = html
    return doc


def main(argv):
    global BENCH
    BENCH = argv[1]
    verbose = "--verbose" in argv
    filters = [a for a in argv[2:] if not a.startswith("--")]
    cases = json.loads((CASES.parent / "manifest.json").read_text())
    ok = bad = skipped = 0
    for c in cases:
        if c["category"] != "sanitize":
            continue
        name = c["file"].rsplit("/", 1)[-1]
        if filters and not any(f in name for f in filters):
            continue
        target = next((t for t in TARGETS if name.startswith(t[0])), None)
        if target is None:
            skipped += 1
            continue
        root = ET.parse(CASES / c["file"]).getroot()
        el, parents = find(root, target[1], target[2])
        if el is None:
            skipped += 1
            continue
        args = c.get("args", [])
        base = args[args.index("--base") + 1] if "--base" in args else None
        kind, value = typed(el)
        doc = doc_for(kind, value, base_of(el, parents, base))
        fails = []
        for ch in c["checks"]:
            if ch["op"] == "bozo":
                continue
            msg = run.eval_check(doc, ch)
            if msg:
                fails.append(msg)
        if fails:
            bad += 1
            if verbose:
                print("FAIL", c["file"], kind)
                print("   input:", repr(value)[:300])
                for f in fails:
                    print("   -", f[:600])
        else:
            ok += 1
    print(f"sanitize (sanitizer alone): {ok} passed, {bad} failed, {skipped} skipped")


if __name__ == "__main__":
    main(sys.argv)
