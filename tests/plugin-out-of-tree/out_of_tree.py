"""Plugins built out of tree against the INSTALLED header: `make install`
stages <crier/plugin.h> and crier-plugin.pc under a temporary DESTDIR,
`pkg-config --cflags crier-plugin` (PKG_CONFIG_SYSROOT_DIR pointing at
the stage) gives the only include path, and four shared objects are
compiled from this folder with nothing else: a working plugin, one built
for another ABI, one whose init fails, one that is no plugin at all.
The real daemon loads the first and refuses the others cleanly, each
with one line that says why and what to do."""

import filecmp
import os
import shutil
import subprocess
import tempfile

from crierlib import BUILDDIR, SRCDIR, Crier
from fixture_server import FixtureServer
from pluginlib import config_keys, rss, tags_of
from tap import TAP

t = TAP()
HERE = os.path.join(SRCDIR, "tests", "plugin-out-of-tree")
CC = os.environ.get("CC") or "cc"

work = tempfile.mkdtemp(prefix="crier-oot-")
try:
    stage = os.path.join(work, "stage")
    # a make of our own: not the jobserver of the `make check` that runs us
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "-s", "-C", BUILDDIR, "install-pkgincludeHEADERS", "install-pkgconfigDATA",
                        f"DESTDIR={stage}"], capture_output=True, text=True, env=env)
    t.eq(r.returncode, 0, "make install stages the header and crier-plugin.pc" + (": " + r.stderr if r.returncode else ""))
    pcs = [os.path.join(d, f) for d, _, fs in os.walk(stage) for f in fs if f == "crier-plugin.pc"]
    headers = [os.path.join(d, f) for d, _, fs in os.walk(stage) for f in fs if f == "plugin.h"]
    t.eq(len(pcs), 1, "one crier-plugin.pc installed")
    t.ok(len(headers) == 1 and headers[0].endswith("/include/crier/plugin.h"), "plugin.h installed as crier/plugin.h",
         headers)
    t.ok(headers and filecmp.cmp(headers[0], os.path.join(SRCDIR, "include", "crier", "plugin.h"), shallow=False),
         "the installed header is the ABI header")

    # ALLOW_SYSTEM_CFLAGS: with prefix=/usr the staged -I.../usr/include must not be dropped
    pc_env = dict(env, PKG_CONFIG_PATH=os.path.dirname(pcs[0]), PKG_CONFIG_LIBDIR=os.path.dirname(pcs[0]),
                  PKG_CONFIG_SYSROOT_DIR=stage, PKG_CONFIG_ALLOW_SYSTEM_CFLAGS="1")
    r = subprocess.run(["pkg-config", "--cflags", "crier-plugin"], capture_output=True, text=True, env=pc_env)
    cflags = r.stdout.split()
    t.ok(r.returncode == 0 and len(cflags) == 1 and cflags[0] == "-I" + os.path.dirname(os.path.dirname(headers[0])),
         "pkg-config --cflags crier-plugin names the staged include directory, nothing else", r.stdout + r.stderr)
    r = subprocess.run(["pkg-config", "--variable=plugindir", "crier-plugin"], capture_output=True, text=True,
                       env=pc_env)
    t.ok(r.stdout.strip().endswith("/lib/crier"), "and the plugin directory", r.stdout)

    build = os.path.join(work, "build")
    os.makedirs(build)
    markers = {"bad_abi": os.path.join(work, "bad_abi_init_called"),
               "init_fails": os.path.join(work, "init_fails_fini_called")}
    built = {}
    for name in ("hello", "bad_abi", "init_fails", "no_descriptor"):
        src = os.path.join(build, name + ".c")
        shutil.copy(os.path.join(HERE, name + ".c"), src)     # away from the source tree's include/
        cmd = [CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared", "-fvisibility=hidden",
               *cflags, f'-DMARKER="{markers.get(name, "")}"', "-o", name + ".so", name + ".c"]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=build)
        built[name] = r.returncode == 0
        t.ok(built[name], f"{name}.c builds out of tree with -Wall -Wextra -Werror", r.stderr)
    r = subprocess.run(["nm", "-D", "--defined-only", os.path.join(build, "hello.so")], capture_output=True, text=True)
    t.eq([ln.split()[-1] for ln in r.stdout.splitlines()], ["crier_plugin"],
         "with -fvisibility=hidden it exports crier_plugin alone (CRIER_PLUGIN_EXPORT)")

    with FixtureServer() as srv, Crier() as c:
        srv.set("/blog.xml", body=rss([("o1", "Out of tree", "hello")]), content_type="application/rss+xml")
        c.write_config(config_keys(c, srv, plugin_dir=build),
                       f"[feed {srv.url('/blog.xml')}]\n"
                       f"[plugin hello]\npath = {os.path.join(build, 'hello.so')}\ntag = built-outside\n"
                       f"[plugin old]\npath = bad_abi.so\n"
                       f"[plugin broken]\npath = init_fails.so\n"
                       f"[plugin notaplugin]\npath = no_descriptor.so\n")
        conf = c.config_path
        r = c.run("check-config")
        t.eq(r.returncode, 1, "check-config fails when a plugin is refused")
        err = r.stderr
        t.contains(err, f"{conf}:12: [plugin old] {build}/bad_abi.so was built for plugin ABI 2 but this crier "
                   "speaks ABI 1; rebuild it against this crier's <crier/plugin.h> (pkg-config --cflags "
                   "crier-plugin)", "the wrong ABI: file:line, why, and what to do")
        t.contains(err, f"{conf}:14: [plugin broken] token: is missing (token = the API token)",
                   "a failed init's own config problem, at its section (no such key)")
        t.contains(err, f'{conf}:14: [plugin broken] "init-fails" did not start (its init returned -1): '
                   "see the problem above; fix its keys, then reload or restart", "then the refusal")
        t.contains(err, f"{conf}:16: [plugin notaplugin] {build}/no_descriptor.so is not a crier plugin: it "
                   "exports no crier_plugin descriptor", "a library that is no plugin")
        t.contains(err, "3 plugins refused", "three refused; the good one passes")

        r = c.run("fetch")
        t.eq(r.returncode, 0, "fetch runs with the good plugin despite the refused ones")
        t.eq(tags_of(c, "o1"), {"built-outside"}, "the out-of-tree plugin tagged the post (its key passed)")
        refusals = [ln for ln in r.stderr.splitlines() if 'msg="plugin refused"' in ln]
        t.eq(len(refusals), 3, "each refusal is one log line")
        t.ok(any("plugin=old" in ln and "was built for plugin ABI 2" in ln for ln in refusals),
             "the ABI refusal in the log", refusals)
        t.contains(r.stderr, 'msg="plugin loaded" plugin=hello name=hello version=0.1', "hello is loaded")
        t.ok(not os.path.exists(markers["bad_abi"]), "nothing of the wrong-ABI plugin ran (init never called)")
        t.ok(not os.path.exists(markers["init_fails"]), "a failed init is not followed by fini")
        t.eq(c.sql("SELECT count(*) FROM outbox")[0][0], 0, "what a failed init queued is dropped")
finally:
    if not os.environ.get("CRIER_KEEP_TMP"):
        shutil.rmtree(work, ignore_errors=True)

t.done()
