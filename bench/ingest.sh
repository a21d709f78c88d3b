#!/usr/bin/env bash
# bench/ingest.sh: polling, crier against newsboat, in one run.
#
#   bench/ingest.sh [FEEDS] [RUNS]        defaults: 1000 feeds, 3 runs
#   SCALE=1 bench/ingest.sh               also 10x the feeds, for the scaling ratio
#
# Both fetch the same corpus (shared/bench/gen_corpus.py, 20 items a feed)
# from one nginx on 127.0.0.1, parse it with libxml2 and store it in
# SQLite.  Runs are interleaved (crier, newsboat, crier, ...) and the
# medians compared:
#   cold   crier fetch into an empty store   vs newsboat -x reload with an empty cache
#   304    crier fetch --all, every feed unchanged (conditional GET)
#   rss    peak RSS of the cold crier fetch (/usr/bin/time %M)
#   scale  cold time of 10x the feeds / cold time of the feeds (with SCALE=1)
. "$(dirname "$0")/lib.sh"

FEEDS=${1:-1000}
RUNS=${2:-3}
PORT=${PORT:-8089}

bench_deps
build_crier
CORPUS=$BENCH_DIR/corpus-$FEEDS
corpus "$CORPUS" "$FEEDS" 20
nginx_start "$CORPUS" "$PORT"
trap nginx_stop EXIT

W=$BENCH_DIR/ingest
rm -rf "$W" && mkdir -p "$W/newsboat/home"
crier_conf "$W/crier" "$PORT"
sed -n 's/.*xmlUrl="\([^"]*\)".*/\1/p' "$CORPUS/feeds.opml" > "$W/newsboat/urls"
printf 'reload-threads 2\n' > "$W/newsboat/config"

# a store with the feeds subscribed but never fetched, copied before each cold run
"$CRIER" -c "$W/crier/crier.conf" opml import "$CORPUS/feeds.opml" > /dev/null
cp "$W/crier/data/crier.db" "$W/template.db"

cold_crier() {
    rm -f "$W/crier/data/crier.db"* && cp "$W/template.db" "$W/crier/data/crier.db"
    /usr/bin/time -f '%e %M' -o "$W/time" "$CRIER" -c "$W/crier/crier.conf" fetch --quiet
    cat "$W/time"
}
cold_newsboat() {
    rm -f "$W/newsboat/cache.db"*
    /usr/bin/time -f '%e %M' -o "$W/time" env HOME="$W/newsboat/home" newsboat -q -u "$W/newsboat/urls" \
        -c "$W/newsboat/cache.db" -C "$W/newsboat/config" -x reload > /dev/null 2>&1
    cat "$W/time"
}

: > "$W/crier.cold"; : > "$W/newsboat.cold"; : > "$W/crier.rss"
for i in $(seq "$RUNS"); do
    say "run $i/$RUNS: crier cold"
    read -r t m < <(cold_crier); echo "$t" >> "$W/crier.cold"; echo "$m" >> "$W/crier.rss"
    say "run $i/$RUNS: newsboat cold"
    read -r t m < <(cold_newsboat); echo "$t" >> "$W/newsboat.cold"
done
say "crier all-304 re-polls"
: > "$W/crier.304"
for i in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$W/time" "$CRIER" -c "$W/crier/crier.conf" fetch --all --quiet
    cut -d' ' -f1 "$W/time" >> "$W/crier.304"
done
posts=$(sqlite3 "$W/crier/data/crier.db" 'select count(*) from posts' 2>/dev/null || echo '?')

c=$(median < "$W/crier.cold"); n=$(median < "$W/newsboat.cold"); r=$(median < "$W/crier.304")
rss=$(median < "$W/crier.rss")
printf '\nfeeds %s, posts stored %s, %s runs each (medians)\n' "$FEEDS" "$posts" "$RUNS"
printf '  crier fetch, empty store      %8.2f s   peak RSS %s KiB\n' "$c" "$rss"
printf '  newsboat reload, empty cache  %8.2f s\n' "$n"
printf '  crier fetch --all, all 304    %8.2f s\n' "$r"
printf '  ratio newsboat/crier          %8.1fx  (target >= 6)\n' "$(echo "$n / $c" | bc -l)"

if [ "${SCALE:-0}" = 1 ]; then
    BIG=$((FEEDS * 10))
    CORPUS2=$BENCH_DIR/corpus-$BIG
    corpus "$CORPUS2" "$BIG" 20
    nginx_stop; nginx_start "$CORPUS2" "$PORT"
    crier_conf "$W/big" "$PORT"
    "$CRIER" -c "$W/big/crier.conf" opml import "$CORPUS2/feeds.opml" > /dev/null
    /usr/bin/time -f '%e %M' -o "$W/time" "$CRIER" -c "$W/big/crier.conf" fetch --quiet
    read -r tb mb < "$W/time"
    printf '  crier fetch of %s feeds      %8.2f s   peak RSS %s KiB\n' "$BIG" "$tb" "$mb"
    printf '  scaling (10x feeds)           %8.1fx  (target <= 10)\n' "$(echo "$tb / $c" | bc -l)"
fi
