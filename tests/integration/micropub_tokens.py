"""`crier team add|list` and `crier token new|list|revoke` on a real
store: tokens are printed once and stored only as their SHA-256, scopes
are checked, mistakes exit 2 with a usage message, and a config team
works like an added one."""

import hashlib
import re

from crierlib import Crier
from tap import TAP

t = TAP()
c = Crier(config="[team platform]\nname = Platform team\ndescription = We run the platform.\n")

# teams
r = c.run("team", "add", "web", "--name", "Web team", "--description", "We build the website.")
t.eq(r.returncode, 0, "team add exits 0")
t.contains(r.stdout, "added team web", "and says so")
r = c.run("team", "add", "web")
t.eq(r.returncode, 1, "adding it again exits 1")
t.contains(r.stderr, "exists already", "saying it exists")
for bad in ("Web", "-web", "web-", "w/eb", "a" * 65, ""):
    r = c.run("team", "add", bad)
    t.eq(r.returncode, 2, f"team add {bad[:10]!r}: exit 2")
r = c.run("team", "add", "x", "--name")
t.eq(r.returncode, 2, "team add --name without a value: exit 2")
teams = c.run_json("team", "list", "--json")
t.eq(sorted((x["slug"], x["name"]) for x in teams), [("platform", "Platform team"), ("web", "Web team")],
     "team list --json: the config team and the added one")
t.eq([x["description"] for x in teams if x["slug"] == "web"], ["We build the website."], "with descriptions")
r = c.run("team", "list")
t.ok(re.search(r"^web\s+Web team\s+0 posts$", r.stdout, re.M), "team list prints a line per team", r.stdout)

# tokens
r = c.run("token", "new", "--team", "web", "--scope", "create,update", "--name", "phone")
t.eq(r.returncode, 0, "token new exits 0")
token = r.stdout.strip()
t.ok(re.fullmatch(r"crier_[A-Za-z0-9_-]{43}", token), "stdout is the token alone: crier_ + 43 base64url", token)
t.contains(r.stderr, "only time it is shown", "stderr says it is shown once")
rows = c.sql("SELECT hash, scopes, name FROM tokens")
t.eq(rows, [(hashlib.sha256(token.encode()).hexdigest(), "create update", "phone")],
     "only the SHA-256 is stored, with scopes and name")
t.ok(token.encode() not in open(f"{c.data_dir}/crier.db", "rb").read(), "the token is not in the database file")
r2 = c.run("token", "new", "--team", "platform", "--scope", "media, delete ,create,media")
t.eq(r2.returncode, 0, "a token for the config team")
t.ok(r2.stdout.strip() != token, "tokens differ")
listed = c.run_json("token", "list", "--json")
t.eq([(x["id"], x["team"], x["name"], x["scopes"], x["last_used_at"], x["revoked"]) for x in listed],
     [(1, "web", "phone", "create update", None, False), (2, "platform", None, "create delete media", None, False)],
     "token list --json: scopes in order, deduplicated; never used; not revoked")
t.ok(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", x["created_at"]) for x in listed), "created times in RFC 3339")
r = c.run("token", "list")
t.ok(re.search(r"^1\s+web\s+phone\s+create update\s+\S+Z\s+never\s+-$", r.stdout, re.M),
     "token list: id, team, name, scopes, created, last used, revoked", r.stdout)
t.not_contains(r.stdout, token, "token list never prints a token")

for args, why in ((["--team", "web"], "no scope"), (["--scope", "create"], "no team"),
                  (["--team", "web", "--scope", "create,publish"], "unknown scope"),
                  (["--team", "web", "--scope", ","], "empty scope list"),
                  (["--team", "web", "--scope"], "--scope without a value"),
                  (["--team", "web", "--scope", "create", "extra"], "an extra argument")):
    r = c.run("token", "new", *args)
    t.eq(r.returncode, 2, f"token new with {why}: exit 2")
    t.eq(r.stdout, "", f"token new with {why}: prints no token")
r = c.run("token", "new", "--team", "nope", "--scope", "create")
t.eq(r.returncode, 1, "token new for an unknown team: exit 1")
t.contains(r.stderr, 'no team "nope"', "naming the team")

r = c.run("token", "revoke", "1")
t.eq(r.returncode, 0, "token revoke exits 0")
t.ok(c.run_json("token", "list", "--json")[0]["revoked"], "the token shows as revoked")
r = c.run("token", "revoke", "1")
t.eq(r.returncode, 1, "revoking it again exits 1")
r = c.run("token", "revoke", "99")
t.eq(r.returncode, 1, "revoking an unknown token exits 1")
for bad in ("x", "0", "-1"):
    t.eq(c.run("token", "revoke", bad).returncode, 2, f"token revoke {bad}: exit 2")

# help
for cmd in ("team", "token"):
    r = c.run(cmd, "--help")
    t.eq(r.returncode, 0, f"crier {cmd} --help exits 0")
    t.contains(r.stdout, f"usage: crier {cmd}", f"crier {cmd} --help prints usage")
    t.eq(c.run(cmd).returncode, 2, f"crier {cmd} alone exits 2")
    t.eq(c.run(cmd, "frobnicate").returncode, 2, f"crier {cmd} frobnicate exits 2")
t.eq(c.run("token", "new", "--help").returncode, 0, "crier token new --help exits 0")

c.cleanup()
t.done()
