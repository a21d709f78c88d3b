#!/usr/bin/python3
"""Pull the HTML bodies out of a generated feed corpus, for sanitize_bench.

    python3 /work/shared/bench/gen_corpus.py --feeds 50 --items 20 --seed 1 --out /tmp/corpus50
    python3 bench/html_fragments.py /tmp/corpus50/feeds > /tmp/fragments.bin

Writes every item's content:encoded / Atom content (type html or xhtml,
the latter serialized) / description / summary, separated by NUL bytes.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET

WANT = {"encoded", "content", "description", "summary"}


def local(tag):
    return tag.rsplit("}", 1)[-1]


def fragments(path):
    root = ET.parse(path).getroot()
    for el in root.iter():
        if local(el.tag) not in WANT:
            continue
        if len(el):
            inner = (el.text or "") + "".join(
                ET.tostring(c, encoding="unicode") for c in el)
            yield inner
        elif el.text and el.text.strip():
            yield el.text


def main():
    out = sys.stdout.buffer
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
        for frag in fragments(path):
            out.write(frag.encode("utf-8").replace(b"\0", b"") + b"\0")


if __name__ == "__main__":
    main()
