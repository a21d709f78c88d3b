#!/usr/bin/env bash
# bench/serve.sh: the reader, crier against nginx serving the same bytes, in one run.
#
#   bench/serve.sh [FEEDS] [ITEMS] [DURATION]     defaults: 1000 feeds, 100 items, 10s
#
# Loads the store with FEEDS x ITEMS posts (shared/bench/gen_corpus.py;
# 100,000 by default), starts `crier serve`, saves the bytes of / and
# /feed.atom as static files (plus .gz twins for gzip_static) and serves
# them from nginx.  Both are driven with the same `wrk -t2 -c64 --latency`,
# interleaved:
#   /, /feed.atom           identity and gzip: req/s and p99, ratio crier/nginx
#   304                     If-None-Match answered 304: ratio crier/nginx
#   cold render of /        uncached (a query no one asked before), median ms
#   search                  /search?q=<common word>, uncached, p95 ms
#   RSS                     the daemon's resident memory after the run
. "$(dirname "$0")/lib.sh"

FEEDS=${1:-1000}
ITEMS=${2:-100}
DUR=${3:-10s}
PORT=${PORT:-8089}
STATIC_PORT=${STATIC_PORT:-8090}
LISTEN_PORT=${LISTEN_PORT:-18181}
WRK="wrk -t2 -c64 -d$DUR --latency"

bench_deps
build_crier
CORPUS=$BENCH_DIR/corpus-$FEEDS-$ITEMS
corpus "$CORPUS" "$FEEDS" "$ITEMS"
W=$BENCH_DIR/serve-$FEEDS-$ITEMS
CRIER_PID=
cleanup() { nginx_stop; [ -n "$CRIER_PID" ] && kill "$CRIER_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -f "$W/loaded" ]; then
    rm -rf "$W"
    crier_conf "$W" "$PORT"
    nginx_start "$CORPUS" "$PORT"
    "$CRIER" -c "$W/crier.conf" opml import "$CORPUS/feeds.opml" > /dev/null
    say "loading the store ($FEEDS feeds x $ITEMS items)"
    "$CRIER" -c "$W/crier.conf" fetch --quiet
    nginx_stop
    touch "$W/loaded"
fi

# steady state: nothing due, so no poll changes the store (and the page cache) mid-run
"$PY" -c "import sqlite3, time; db = sqlite3.connect('$W/data/crier.db'); db.execute('UPDATE feeds SET next_fetch_at = ?', (int(time.time()) + 86400,)); db.commit()"
# a store from an older crier migrates, and the search index catches up
# (fetch with nothing due only waits for the indexer), before the clock starts
"$CRIER" -c "$W/crier.conf" fetch --quiet
say "starting crier serve on 127.0.0.1:$LISTEN_PORT"
"$CRIER" -c "$W/crier.conf" serve 2> "$W/serve.log" &
CRIER_PID=$!
for i in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$LISTEN_PORT/healthz" && break; sleep 0.1; done
C=http://127.0.0.1:$LISTEN_PORT

# the same bytes for nginx
rm -rf "$W/static" && mkdir -p "$W/static"
curl -s "$C/" -o "$W/static/index.html"
curl -s "$C/feed.atom" -o "$W/static/feed.atom"
gzip -k -6 "$W/static/index.html" "$W/static/feed.atom"
nginx_start "$W/static" "$STATIC_PORT"
N=http://127.0.0.1:$STATIC_PORT
say "page $(stat -c %s "$W/static/index.html") B, atom $(stat -c %s "$W/static/feed.atom") B"

# run LABEL URL [wrk args]: prints "label rps p99_ms"
run() {
    local label=$1 url=$2; shift 2
    local out rps p99
    out=$($WRK "$@" "$url" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    case $p99 in *us) p99=$(echo "${p99%us} / 1000" | bc -l);; *ms) p99=${p99%ms};; *s) p99=$(echo "${p99%s} * 1000" | bc -l);; esac
    printf '%-28s %10.0f req/s  p99 %7.2f ms\n' "$label" "$rps" "$p99" | tee -a "$W/results"
}

: > "$W/results"
etag_c=$(curl -sI "$C/" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
etag_n=$(curl -sI "$N/index.html" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
for what in page atom; do
    cu=$C/; nu=$N/index.html
    [ "$what" = atom ] && { cu=$C/feed.atom; nu=$N/feed.atom; }
    run "crier $what identity" "$cu"
    run "nginx $what identity" "$nu"
    run "crier $what gzip" "$cu" -H 'Accept-Encoding: gzip'
    run "nginx $what gzip" "$nu" -H 'Accept-Encoding: gzip'
done
run "crier 304 conditional" "$C/" -H "If-None-Match: $etag_c"
run "nginx 304 conditional" "$N/index.html" -H "If-None-Match: $etag_n"

# cold renders: a cursor no one asked for before is a cache miss
max=$(curl -s "$C/" | grep -o 'before=[0-9]*-[0-9]*' | head -1 | cut -d= -f2)
t0=${max%-*}; id0=${max#*-}
: > "$W/cold"
for i in $(seq 30); do
    curl -s -o /dev/null -w '%{time_total}\n' "$C/?before=$((t0 - i))-$id0" >> "$W/cold"
done
: > "$W/search"
for i in $(seq 100); do
    curl -s -o /dev/null -w '%{time_total}\n' "$C/search?q=the&n=$i" >> "$W/search"
done
cold=$(median < "$W/cold")
p95=$(sort -g "$W/search" | awk '{a[NR]=$1} END {print a[int(NR*0.95)]}')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$CRIER_PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$CRIER_PID/status")

echo
awk '
  /^crier/ { key = $2 " " $3; c[key] = $4; cp[key] = $7 }
  /^nginx/ { key = $2 " " $3; n[key] = $4 }
  END { for (k in c) if (k in n) printf "ratio crier/nginx %-16s %5.2f   (crier p99 %s ms)\n", k, c[k] / n[k], cp[k] }
' "$W/results" | sort
printf 'cold render of / (median of 30)     %6.1f ms  (target < 20)\n' "$(echo "$cold * 1000" | bc -l)"
printf 'search "the" uncached p95 (100)     %6.1f ms  (target < 20)\n' "$(echo "$p95 * 1000" | bc -l)"
printf 'daemon RSS after the run            %6.1f MiB (peak %.1f MiB; target < 64)\n' \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)"
