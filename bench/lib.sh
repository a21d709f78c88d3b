# bench/lib.sh: what the bench scripts share (sourced, not run).
#
#   BENCH_DIR   scratch space (default /tmp/crier-bench)
#   CRIER       the crier binary measured (default: build/bench/crier, an -O2
#               build without sanitizers made by build_crier)
#   SHARED      the project's shared/ folder (default ../shared)
#
# Figures on a shared machine are noisy: every script runs crier and its
# peer in the same run, interleaved, and prints ratios.

set -euo pipefail

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/crier-bench}
SHARED=${SHARED:-$BENCH_TOP/../shared}
CRIER=${CRIER:-$BENCH_TOP/build/bench/crier}
PY=/usr/bin/python3
mkdir -p "$BENCH_DIR"

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Debian packages the benches use.
bench_deps() {
    local missing=() p
    for p in sfeed wrk hyperfine newsboat time nginx-light libxml2-utils python3-feedparser curl; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# An -O2 build without sanitizers in build/bench (reused when up to date).
build_crier() {
    if [ "$CRIER" != "$BENCH_TOP/build/bench/crier" ]; then
        return 0
    fi
    mkdir -p "$BENCH_TOP/build/bench"
    if [ ! -f "$BENCH_TOP/build/bench/Makefile" ]; then
        (cd "$BENCH_TOP" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; })
        (cd "$BENCH_TOP/build/bench" && ../../configure -q CFLAGS='-O2 -g')
    fi
    make -s -C "$BENCH_TOP/build/bench" -j"$(nproc)" crier >/dev/null
}

# corpus DIR FEEDS ITEMS: the shared deterministic corpus (generated once).
corpus() {
    local dir=$1 feeds=$2 items=$3
    if [ ! -f "$dir/manifest.json" ]; then
        say "generating corpus: $feeds feeds x $items items in $dir"
        "$PY" "$SHARED/bench/gen_corpus.py" --feeds "$feeds" --items "$items" --seed 1 --port "${PORT:-8089}" --out "$dir" >/dev/null
    fi
}

# nginx_start ROOT PORT: a private nginx serving ROOT on 127.0.0.1:PORT (gzip on,
# conditional GET honoured), as the shared peers.sh configures it.
NGINX_PID=
nginx_start() {
    local root=$1 port=$2 conf=$BENCH_DIR/nginx-$2
    mkdir -p "$conf"
    cat > "$conf/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $conf/nginx.pid;
error_log $conf/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_timeout 65; keepalive_requests 1000000;
    open_file_cache max=20000 inactive=60s; open_file_cache_valid 60s;
    gzip on; gzip_comp_level 1; gzip_min_length 1024; gzip_static on;
    gzip_types application/atom+xml application/rss+xml application/xml text/xml application/json text/css;
    if_modified_since before;
    client_body_temp_path $conf/cb; proxy_temp_path $conf/px; fastcgi_temp_path $conf/fc;
    uwsgi_temp_path $conf/uw; scgi_temp_path $conf/sc;
    types { text/html html; application/atom+xml atom; application/xml xml; text/x-opml opml;
            application/json json; text/css css; }
    default_type application/octet-stream;
    server { listen 127.0.0.1:$port; root $root; etag on; }
}
EOF
    nginx -c "$conf/nginx.conf" -p "$conf" &
    NGINX_PID=$!
    local i
    for i in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
        sleep 0.1
    done
    say "nginx did not start"; return 1
}

nginx_stop() {
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=
    fi
}

# crier_conf DIR PORT: a config with its data_dir in DIR allowed to fetch from 127.0.0.1:PORT.
crier_conf() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    cat > "$dir/crier.conf" <<EOF
[crier]
data_dir = $dir/data
listen = 127.0.0.1:${LISTEN_PORT:-18181}
themes_dir = $BENCH_TOP/themes
allow_private_hosts = 127.0.0.1:$port
log_level = warn
EOF
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
