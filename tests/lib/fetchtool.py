"""Runs tests/tools/fetchtool (crier's real fetcher) from Python tests.

    from fetchtool import fetch, fetch_one
    r = fetch_one(url, "--allow-private")       # one result dict
    rs, stderr = fetch([u1, u2], "--per-host", "1")   # results ordered by id

Each result is the JSON object fetchtool prints (see tests/tools/fetchtool.c):
id, url, status, error, final_url, permanent_url, redirects, etag,
last_modified, content_type, retry_after, body_len, body_sha256,
elapsed_ms (and body with --print-body).  The binary is found through
$CRIER_BUILDDIR (set by `make check`), else ./tests/tools/fetchtool.
"""

import json
import os
import subprocess

__all__ = ["fetchtool_path", "fetch", "fetch_one"]


def fetchtool_path():
    return os.path.join(os.environ.get("CRIER_BUILDDIR", "."), "tests", "tools", "fetchtool")


def fetch(urls, *options, timeout=60, env=None):
    """Fetches urls with fetchtool options; returns (results by id, stderr).
    env: extra environment variables for fetchtool."""
    cmd = [fetchtool_path(), *options, *urls]
    full_env = dict(os.environ, **env) if env else None
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=full_env)
    stderr = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {stderr}")
    results = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines() if line]
    results.sort(key=lambda r: r["id"])
    return results, stderr


def fetch_one(url, *options, timeout=60, env=None):
    """Fetches one URL; returns its result dict."""
    results, stderr = fetch([url], *options, timeout=timeout, env=env)
    if len(results) != 1:
        raise RuntimeError(f"expected one result, got {results!r}; stderr: {stderr}")
    return results[0]
