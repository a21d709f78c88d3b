#!/bin/sh
# bench/plugins.sh: ingest throughput with and without plugins.
#
#   bench/plugins.sh BUILDDIR [ROUNDS] [FEEDS]
#
# BUILDDIR is an -O2 build without sanitizers (../../configure CFLAGS="-O2 -g").
# Generates the shared corpus (gen_corpus.py --feeds FEEDS --items 20 --seed 1),
# serves it with nginx on 127.0.0.1, and times `crier fetch --all` into a fresh
# database: A without plugins, B with example and autotag as a team would run
# them, C with both tagging every post many times over (the worst case),
# interleaved A B C A B C ... ROUNDS times (the machine is shared and noisy);
# prints each run (wall and CPU seconds) and the medians with their ratios to
# A.  The OPML import is not timed.  Never part of make check.
set -eu

BUILD=$(cd "${1:?usage: bench/plugins.sh BUILDDIR [ROUNDS] [FEEDS]}" && pwd)
ROUNDS=${2:-7}
FEEDS=${3:-200}
SHARED=${CRIER_SHARED:-$(dirname "$0")/../../shared}
PORT=${PORT:-18391}
WORK=$(mktemp -d /tmp/crier-plugins-bench-XXXXXX)
CORPUS=/tmp/pc
NGINX_PID=

cleanup() {
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ ! -f "$CORPUS/feeds.opml" ] || ! grep -q "127.0.0.1:$PORT/" "$CORPUS/feeds.opml"; then
	python3 "$SHARED/bench/gen_corpus.py" --feeds "$FEEDS" --items 20 --seed 1 --port "$PORT" \
	    --out "$CORPUS" --no-extras >/dev/null
fi

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on; tcp_nodelay on; keepalive_timeout 65;
    client_body_temp_path $WORK/nginx/cb; proxy_temp_path $WORK/nginx/px;
    fastcgi_temp_path $WORK/nginx/fc; uwsgi_temp_path $WORK/nginx/uw; scgi_temp_path $WORK/nginx/sc;
    types { application/xml xml; text/x-opml opml; }
    server { listen 127.0.0.1:$PORT; root $CORPUS; }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
NGINX_PID=$!
sleep 0.5

# B: the plugins as a team would run them: example on every hook (a render
# greeting, no key that changes posts) and autotag with 8 rules of sector
# keywords, of which few posts of this corpus have any.
cat > "$WORK/plugins-B.conf" <<EOF
[plugin example]
path = example.so
greeting = hello
[plugin autotag]
path = autotag.so
fields = title, summary, content
tag.accessibility = wcag, screen reader, a11y
tag.open-data = dataset, datasets, open data
tag.weeknotes = weeknotes, week notes, sprint notes
tag.security = vulnerability, cve, tls certificate
tag.databases = sqlite, postgres, schema migration
tag.benchmarks = benchmark, regression
fields.benchmarks = title
tag.japanese = 日本語
tag.cycling = bicycle
fields.cycling = title
EOF
# C: the worst case: example tags every post, and autotag's 8 rules use
# words every post of this corpus has, so each post gets 9 more tags to store.
cat > "$WORK/plugins-C.conf" <<EOF
[plugin example]
path = example.so
tag = seen
greeting = hello
[plugin autotag]
path = autotag.so
fields = title, summary, content
tag.systems = kernel, compiler, linker
tag.web = server, client, http cache
tag.accessibility = wcag, screen reader, a11y
tag.open-data = dataset, datasets, open data
tag.performance = memory, thread, latency
tag.security = tls, certificate, vulnerability
tag.japanese = 日本語
tag.process = process, build pipeline
EOF

run() {         # run MODE ROUND: prints "MODE ROUND WALL CPU POSTS PLUGIN_TAGS"
	dir=$WORK/$1-$2
	mkdir -p "$dir"
	{
		printf '[crier]\ndata_dir = %s/data\nallow_private_hosts = 127.0.0.1:%s\n' "$dir" "$PORT"
		printf 'plugin_dir = %s/plugins/.libs\nlog_level = warn\nfetch_concurrency = 16\n' "$BUILD"
		printf 'fetch_per_host = 16\n'
		if [ "$1" != A ]; then cat "$WORK/plugins-$1.conf"; fi
	} > "$dir/crier.conf"
	"$BUILD/crier" -c "$dir/crier.conf" opml import "$CORPUS/feeds.opml" >/dev/null
	/usr/bin/time -f "%e %U %S" -o "$dir/time" "$BUILD/crier" -c "$dir/crier.conf" fetch --all --quiet
	posts=$(sqlite3 "$dir/data/crier.db" "SELECT count(*) FROM posts")
	tags=$(sqlite3 "$dir/data/crier.db" "SELECT count(*) FROM post_tags WHERE origin = 'plugin'")
	read -r wall user sys < "$dir/time"
	echo "$1 $2 $wall $(echo "$user + $sys" | bc) $posts $tags"
	rm -rf "$dir"
}

echo "mode round wall_s cpu_s posts plugin_tags"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	for mode in A B C; do
		run "$mode" "$i"
	done
	i=$((i + 1))
done > "$WORK/results"
cat "$WORK/results"

median() {      # median MODE COLUMN
	grep "^$1 " "$WORK/results" | awk -v c="$2" '{print $c}' | sort -n |
	    awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
# the median of MODE's per-round ratio to A in COLUMN (rounds run back to
# back, so slow drifts in the machine's load cancel out)
paired() {
	awk -v m="$1" -v c="$2" '$1 == "A" {a[$2] = $c} $1 == m {r[$2] = $c} END {
	    for (k in r) print r[k] / a[k] }' "$WORK/results" | sort -n |
	    awk '{a[NR]=$1} END {printf "%.3f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
POSTS=$(awk 'NR==1 {print $5}' "$WORK/results")
for mode in A B C; do
	w=$(median $mode 3)
	c=$(median $mode 4)
	echo "median $mode: wall ${w}s ($(echo "$POSTS / $w" | bc) posts/s), cpu ${c}s;" \
	    "wall/A $(echo "scale=3; $w / $(median A 3)" | bc), cpu/A $(echo "scale=3; $c / $(median A 4)" | bc);" \
	    "paired wall/A $(paired $mode 3), paired cpu/A $(paired $mode 4)"
done
