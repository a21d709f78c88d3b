#!/bin/sh
# bench/micropub.sh: Micropub publishing throughput with the river read
# throughout (bench/micropub.py), on an -O2 build without sanitizers.
#
#   sh bench/micropub.sh [--posts N] [--hub]      # from the source tree
#
# Builds into build/bench (configure CFLAGS=-O2, no --enable-sanitizers)
# when needed, then runs the client.  Never part of make check.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build/bench"
if [ ! -x "$build/crier" ] || [ -n "$(find "$src/daemon" -newer "$build/crier" -name '*.[ch]' | head -1)" ]; then
	mkdir -p "$build"
	if [ ! -f "$build/Makefile" ]; then
		[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
		(cd "$build" && "$src/configure" -q CFLAGS="-O2 -g")
	fi
	make -C "$build" -j2 crier >/dev/null
fi
exec python3 "$src/bench/micropub.py" "$build/crier" "$@"
