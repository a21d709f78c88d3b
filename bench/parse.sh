#!/bin/sh
# bench/parse.sh: `crier parse` against sfeed on the shared corpus, in one
# hyperfine run, so the figure that matters is a ratio taken under the same
# load.  Builds nothing: it takes the crier binary to measure.
#
#   bench/parse.sh [CRIER]         (default: build/bench/crier)
#
# Build the binary as the README says (an -O2 build without sanitizers):
#   mkdir -p build/bench && cd build/bench && ../../configure -q CFLAGS='-O2 -g' && make -j2
#
# It generates the corpus when it is missing (the shared gen_corpus.py,
# 1,000 feeds x 20 items, seed 1: RSS 2.0, Atom 1.0 and RSS 1.0 mixed),
# checks that every program sees all 20,000 items, then times:
#   sfeed              one process over the whole corpus concatenated
#   crier parse        one process over the 1,000 files
#   xmllint --stream   libxml2's own reading floor (informative)
# and prints items/s (wall clock and CPU time) and crier/sfeed.
#
# Environment: CRIER_SHARED (../shared next to the source tree), CORPUS
# (/tmp/crier-bench/corpus), RUNS (5), OUT (a temp dir for hyperfine's JSON).
# Needs: apt-get install sfeed hyperfine libxml2-utils.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
crier=${1:-$top/build/bench/crier}
shared=${CRIER_SHARED:-$top/../shared}
corpus=${CORPUS:-/tmp/crier-bench/corpus}
runs=${RUNS:-5}
out=${OUT:-$(mktemp -d /tmp/crier-parse-bench.XXXXXX)}

die() { echo "parse.sh: $*" >&2; exit 1; }

[ -x "$crier" ] || die "$crier is not an executable (build it first, see the top of this file)"
for tool in sfeed hyperfine xmllint python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install sfeed hyperfine libxml2-utils)"
done
if [ ! -f "$corpus/manifest.json" ]; then
	[ -f "$shared/bench/gen_corpus.py" ] || die "no corpus at $corpus and no $shared/bench/gen_corpus.py"
	echo "generating the corpus in $corpus ..." >&2
	python3 "$shared/bench/gen_corpus.py" --feeds 1000 --items 20 --seed 1 --out "$corpus" >&2
fi
[ -f "$corpus/all.xml" ] || cat "$corpus"/feeds/*.xml > "$corpus/all.xml"

items=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["totals"]["items"] if "totals" in m else sum(f["items"] for f in m["feeds"]))' "$corpus/manifest.json")

# Same work: every program must see every item.
n_sfeed=$(sfeed < "$corpus/all.xml" | wc -l)
n_crier=$("$crier" parse "$corpus"/feeds/*.xml | python3 -c 'import json,sys; print(sum(len(json.loads(l)["items"]) for l in sys.stdin))')
[ "$n_sfeed" -eq "$items" ] || die "sfeed saw $n_sfeed items, the corpus has $items"
[ "$n_crier" -eq "$items" ] || die "crier saw $n_crier items, the corpus has $items"

hyperfine --warmup 1 --runs "$runs" --export-json "$out/parse.json" \
	-n sfeed "sfeed < '$corpus/all.xml' > /dev/null" \
	-n "crier parse" "'$crier' parse '$corpus'/feeds/*.xml > /dev/null" \
	-n "xmllint --stream" "xmllint --stream --noout '$corpus'/feeds/*.xml" >&2

python3 - "$out/parse.json" "$items" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
items = int(sys.argv[2])
print(f"{'':18} {'wall s':>8} {'items/s':>9} {'cpu s':>8} {'items/cpu-s':>11}")
rate = {}
for name in ("sfeed", "crier parse", "xmllint --stream"):
    r = res[name]
    cpu = r["user"] + r["system"]
    rate[name] = (items / r["mean"], items / cpu)
    print(f"{name:18} {r['mean']:8.3f} {items / r['mean']:9.0f} {cpu:8.3f} {items / cpu:11.0f}")
w = rate["crier parse"][0] / rate["sfeed"][0]
c = rate["crier parse"][1] / rate["sfeed"][1]
print(f"crier/sfeed items/s: {w:.2f} (wall clock), {c:.2f} (CPU time)")
EOF
