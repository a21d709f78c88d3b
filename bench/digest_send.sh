#!/usr/bin/env bash
# bench/digest_send.sh: a 30-post digest rendered and emailed to 1,000
# recipients through a local SMTP server (aiosmtpd's Sink), against
# Python's smtplib sending the same messages to the same server.
# Usage: bench/digest_send.sh [--recipients N] [--posts N] [--rounds N]
source "$(dirname "$0")/lib.sh"
build_crier
CRIER=$CRIER exec "$PY" "$BENCH_TOP/bench/digest_send.py" "$@"
