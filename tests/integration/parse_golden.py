"""parse_golden.py: `crier parse` on the golden fixtures of
tests/fixtures/parse/: every CASE.xml or CASE.json is parsed with
--base http://fixtures.example/feed.xml and its output compared, field by
field, with CASE.expect (pretty-printed JSON, easy to read in a diff).
`_crier.bozo_reason` is left out: it quotes libxml2's messages.

To accept a deliberate change, regenerate the expectations and read the diff:
    CRIER=build/dev/crier UPDATE=1 PYTHONPATH=tests/lib python3 tests/integration/parse_golden.py
"""

import glob
import json
import os
import subprocess

from tap import TAP

CRIER = os.environ.get("CRIER", "./crier")
HERE = os.environ.get("CRIER_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(HERE, "tests", "fixtures", "parse")
BASE = "http://fixtures.example/feed.xml"
t = TAP()


def parse(path):
    p = subprocess.run([CRIER, "parse", "--base", BASE, path], capture_output=True, timeout=60)
    doc = json.loads(p.stdout.decode("utf-8")) if p.returncode == 0 else None
    if doc is not None:
        doc.get("_crier", {}).pop("bozo_reason", None)
    return p.returncode, doc


def flatten(v, path=""):
    """{"a": {"b": [1]}} -> {"a.b[0]": 1}, so a failure names the field."""
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(flatten(x, f"{path}.{k}" if path else k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out.update(flatten(x, f"{path}[{i}]"))
    else:
        out[path] = v
    return out


cases = sorted(glob.glob(os.path.join(FIXTURES, "*.xml")) + glob.glob(os.path.join(FIXTURES, "*.json")))
t.ok(len(cases) >= 6, f"fixtures found in {FIXTURES}")
for case in cases:
    name = os.path.basename(case)
    expect_path = os.path.splitext(case)[0] + ".expect"
    rc, doc = parse(case)
    if not t.eq(rc, 0, f"{name}: exit 0 and one JSON object"):
        continue
    if os.environ.get("UPDATE"):
        with open(expect_path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
    with open(expect_path, encoding="utf-8") as f:
        want = flatten(json.load(f))
    got = flatten(doc)
    for key in sorted(set(want) | set(got)):
        t.eq(got.get(key, "<absent>"), want.get(key, "<absent>"), f"{name}: {key}")

t.done()
