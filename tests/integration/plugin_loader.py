"""The loader and the daemon around it: the crier binary exports no
function (plugins reach it only through the host table) and each shipped
plugin exports crier_plugin alone; duplicates and missing files are
refused with one line each; relative paths resolve under plugin_dir
(itself relative to the config file); SIGHUP swaps the plugins (new
ones started before the old ones stop) while pages are being served,
and a refused plugin keeps the running set."""

import os
import re
import signal
import subprocess
import threading
import time

from crierlib import CRIER, Crier, stopped_cleanly
from pluginlib import PLUGIN_DIR, config_keys, trace_lines
from tap import TAP

t = TAP()

# -- symbols: nothing of the daemon is visible to plugins (or to any other library)
r = subprocess.run(["nm", "-D", "--defined-only", CRIER], capture_output=True, text=True)
exported = [ln.split() for ln in r.stdout.splitlines() if ln.strip()]
functions = [f[-1] for f in exported if f[1] in ("T", "W", "i")]
t.eq(r.returncode, 0, "nm -D reads the crier binary")
t.eq(functions, [], "the crier binary exports no function (daemon symbols are hidden)")
others = [f[-1] for f in exported if f[1] not in ("T", "W", "i") and "@" not in f[-1]
          and not f[-1].startswith(("__asan", "__ubsan", "__lsan", "_IO_stdin_used", "_edata", "_end",
                                    "__bss_start"))]
t.eq(others, [], "and no data of its own")
for name in ("example", "autotag", "webhook", "exec", "feedhealth"):
    r = subprocess.run(["nm", "-D", "--defined-only", os.path.join(PLUGIN_DIR, name + ".so")],
                       capture_output=True, text=True)
    t.eq([ln.split()[-1] for ln in r.stdout.splitlines()], ["crier_plugin"], f"{name}.so exports crier_plugin alone")

with Crier() as c:
    keys = config_keys(c)

    # -- duplicates, missing files, relative paths
    os.makedirs(os.path.join(c.dir, "lib"))
    os.symlink(os.path.join(PLUGIN_DIR, "autotag.so"), os.path.join(c.dir, "lib", "autotag.so"))
    c.write_config(dict(keys, plugin_dir="lib"),
                   "[plugin tags]\npath = autotag.so\ntag.a = b\n"        # lines 7-9
                   "[plugin tags-again]\npath = autotag.so\ntag.c = d\n"  # 10-12
                   "[plugin missing]\npath = nowhere.so\n")              # 13-14
    r = c.run("check-config")
    t.eq(r.returncode, 1, "check-config fails")
    lib = os.path.join(c.dir, "lib")
    t.contains(r.stderr, f":10: [plugin tags-again] {lib}/autotag.so (plugin \"autotag\") is already loaded by "
               "[plugin tags] at line 7 and can be loaded only once; put these keys in that section, or remove "
               "this one", "a second autotag is refused, naming the first")
    t.contains(r.stderr, f":13: [plugin missing] cannot load it: {lib}/nowhere.so: cannot open shared object "
               f"file: No such file or directory; check path = (relative paths are under plugin_dir = {lib})",
               "a missing file, with where it was looked for")
    t.ok(not re.search(r":7: \[plugin tags\]", r.stderr), "the first autotag (plugin_dir relative to the "
         "config file) loads", r.stderr)
    r = c.run("fetch")
    t.eq(len(re.findall(r'msg="plugin refused"', r.stderr)), 2, "the daemon logs one line per refusal")

    # -- SIGHUP swaps plugins; a refused one keeps the running set
    trace = os.path.join(c.dir, "trace")
    good = f"[plugin first]\npath = example.so\ntrace = {trace}\ngreeting = one\n"
    c.write_config(keys, good)
    d = c.serve()
    with stopped_cleanly(t, d, "serve through reloads"):
        stop = threading.Event()
        statuses = []

        def browse():           # error pages are never cached: each one runs the render hook
            n = 0
            while not stop.is_set():
                statuses.append(d.get(f"/missing-{n}")[0])
                n += 1

        def reloads():
            return d.log().count('msg="config reloaded"')

        def lifecycle():
            return [ln for ln in trace_lines(trace) if ln in ("first init", "first fini")]

        reader = threading.Thread(target=browse)
        reader.start()
        try:
            c.write_config(keys, good + "[plugin tags]\npath = autotag.so\n")   # autotag without rules
            d.signal(signal.SIGHUP)
            d.wait_for(r'msg="config problem; keeping the running config"')
            t.contains(d.log(), 'msg="plugin problem; keeping the running plugins" refused=1',
                       "a refused plugin keeps the running plugins")
            t.eq(lifecycle(), ["first init", "first init", "first fini"],
                 "the trial set is started and stopped; the running one is untouched")
            for n in range(3):
                c.write_config(keys, good.replace("one", f"v{n}") + "[plugin tags]\npath = autotag.so\ntag.x = y\n")
                d.signal(signal.SIGHUP)
                deadline = time.monotonic() + 20
                while reloads() < n + 1 and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.2)         # a few pages with this set
        finally:
            stop.set()
            reader.join()
        t.contains(d.log(), 'msg="config reloaded"', "reloaded")
        t.contains(d.log(), "plugins=2", "with both plugins")
        t.eq(reloads(), 3, "three reloads")
        t.ok(len(statuses) > 10 and set(statuses) == {404}, f"{len(statuses)} pages rendered during the reloads, "
             "all answered", set(statuses))
        t.ok(sum(1 for ln in trace_lines(trace) if ln.startswith("first render")) > 10,
             "each through the render hook of whichever set was loaded")
        lines = lifecycle()
        t.eq(lines[:3], ["first init", "first init", "first fini"], "the refused reload")
        swaps = lines[3:]
        inits = [i for i, ln in enumerate(swaps) if ln == "first init"]
        finis = [i for i, ln in enumerate(swaps) if ln == "first fini"]
        t.ok(len(inits) == 3 and len(finis) == 3 and all(i < f for i, f in zip(inits, finis)),
             "each reload starts the new plugin before the old one stops", swaps)
    t.eq(lifecycle()[-1], "first fini", "the last one stops with the daemon")

t.done()
