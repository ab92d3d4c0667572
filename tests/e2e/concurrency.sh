#!/bin/sh
# concurrency.sh - many writers and many readers on one store at once.
#
# Writers: two CLI loops appending journal entries and two checking an asset
# out and back in (each with its own asset), a `muster scan` session fed
# through a pipe, and three curl loops POSTing journal entries to musterd
# (each runs a muster child).  Every write carries a unique marker.
# Readers: CLI loops of `log checkpoint`, `log show`, `asset show` and `log
# verify`, and eight musterd readers (threads of one Python client: the
# site's checkpoint, and asset rows with their history).
#
# Asserted: every acknowledged write is in the final log exactly once, at
# the index it was acknowledged with (and nothing that was not acknowledged
# is); `log verify` passes, and the projections equal a reindex; each reader
# saw the log only grow; every checkpoint any reader saw is the one stored
# for its size, its root is the root of the final log's first SIZE leaves,
# and (for a sample) `log consistency --old SIZE` proves it a prefix of the
# final tree; every `log show` parses and is, entry for entry, the final
# log's; every asset row a reader saw names, in the same snapshot, the entry
# that put it in its state (musterd: the row's `since`/`last` against the
# history read with it), and that entry is in the final log.
# Prints `concurrency: W writers, R readers, E acknowledged events, L lost,
# D duplicated`.  CONC_SCALE (default 1: about 10 s of writing) scales the
# writing time and the scan session's assets.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
SCALE=${CONC_SCALE:-1}
case $SCALE in '' | *[!0-9]* | 0) echo "Bail out! CONC_SCALE must be a whole number of 1 or more"; exit 1 ;; esac
DUR=$((10 * SCALE))
NSCAN=$((300 * SCALE))
export MUSTER_STORE="$T/no-default-store"
S=$T/store
K=$T/keys
pid=
jobs_pids=
cleanup() {
	touch "$T/stop" "$T/rstop"
	for p in $jobs_pids; do kill "$p" 2>/dev/null; done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# ---- a small store: two keepers, a team, a depot, the assets -----------------------------
mkdir "$K"
new_store "$S" conc.test/site
cp "$T/admin.key" "$T/admin.key.pub" "$K"/
for k in keeper keeper2; do
	"$M" key new --out "$K/$k.key" --kdf min >/dev/null &&
		"$M" --store "$S" --key "$K/admin.key" key enrol "$K/$k.key.pub" --role keeper --holder "$k" >/dev/null
done
"$M" --store "$S" --key "$K/admin.key" team add T1 --name 一队 --specialty mine --province 610000 --host 依托单位 \
	--host-code 91610624923A87342A >/dev/null
"$M" --store "$S" --key "$K/admin.key" depot add D1 --team T1 --name 一库 >/dev/null
{
	echo "资产编号,分类代码,装备名称,规格型号,资金来源,装备库编号"
	i=1
	while [ $i -le $((NSCAN + 2)) ]; do
		printf 'A%05d,2010101,正压氧气呼吸器,HYZ4B,host,D1\n' $i
		i=$((i + 1))
	done
} >"$T/assets.csv"
run --store "$S" --key "$K/admin.key" import assets "$T/assets.csv"
is "$rc" 0 "a store with two keepers and $((NSCAN + 2)) assets"
B0=$("$M" --store "$S" log checkpoint | sed -n 2p)
A3=A00001 A4=A00002

mkdir "$T/tmp"
tmp_was=${TMPDIR:-/tmp}
export TMPDIR="$T/tmp"
start_musterd --store "$S" --keys "$K" --muster "$M" --www "$top_srcdir/www"
export TMPDIR="$tmp_was"

# signin JAR NAME: a session for NAME; its CSRF token in JAR.csrf.
signin() {
	printf '{"name":"%s","passphrase":"%s"}' "$2" "$MUSTER_PASSPHRASE" >"$T/signin.json"
	st=$(curl -sS --max-time 30 -c "$1" -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/signin.json" "$B/api/v1/session")
	[ "$st" = 200 ] && py 'd["csrf"]' >"$1.csrf"
	echo "$st"
}
is "$(signin "$T/jar1" keeper) $(signin "$T/jar2" keeper2) $(signin "$T/jar3" 张伟)" "200 200 200" \
	"three people sign in to musterd"
[ -s "$T/jar1.csrf" ] && [ -s "$T/jar2.csrf" ] && [ -s "$T/jar3.csrf" ] || { echo "Bail out! cannot sign in"; exit 1; }

# ---- writers -------------------------------------------------------------------------------
# Each appends "MARKER INDEX" to $T/NAME.acked for a write that was acknowledged, and
# "MARKER" to $T/NAME.failed (its message to NAME.err) for one that was not.
index_of() { sed -n 's/^{"index":\([0-9]*\).*/\1/p'; }

journal_writer() { # NAME KEY
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		if out=$("$M" --store "$S" --key "$2" --json journal add "conc-$1-$i" 2>>"$T/$1.err"); then
			echo "conc-$1-$i $(printf "%s\n" "$out" | index_of)" >>"$T/$1.acked"
		else
			echo "conc-$1-$i" >>"$T/$1.failed"
		fi
	done
}
custody_writer() { # NAME KEY ASSET: checkout with holder MARKER, return with notes MARKER-r
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		if out=$("$M" --store "$S" --key "$2" --json asset checkout "$3" --holder "conc-$1-$i" --purpose drill 2>>"$T/$1.err"); then
			echo "conc-$1-$i $(printf "%s\n" "$out" | index_of)" >>"$T/$1.acked"
		else
			echo "conc-$1-$i" >>"$T/$1.failed"
			continue
		fi
		if out=$("$M" --store "$S" --key "$2" --json asset return "$3" --notes "conc-$1-$i-r" 2>>"$T/$1.err"); then
			echo "conc-$1-$i-r $(printf "%s\n" "$out" | index_of)" >>"$T/$1.acked"
		else
			echo "conc-$1-$i-r" >>"$T/$1.failed"
		fi
	done
}
musterd_writer() { # NAME JAR
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		st=$(curl -sS --max-time 60 -b "$2" -H "X-CSRF-Token: $(cat "$2.csrf")" -H 'Content-Type: application/json' \
			--data-binary "{\"args\":[\"conc-$1-$i\"]}" -o "$T/$1.out" -w '%{http_code}' \
			"$B/api/v1/cmd/journal/add" 2>>"$T/$1.err")
		if [ "$st" = 200 ]; then
			echo "conc-$1-$i $(index_of <"$T/$1.out")" >>"$T/$1.acked"
		else
			echo "conc-$1-$i" >>"$T/$1.failed"
			{ echo "HTTP $st"; cat "$T/$1.out"; echo; } >>"$T/$1.err"
		fi
	done
}
# The scan session: one asset id a line through a pipe, each checked out to conc-scan.
scan_feeder() {
	i=3
	while [ ! -e "$T/stop" ] && [ $i -le $((NSCAN + 2)) ]; do
		printf 'A%05d\n' $i
		i=$((i + 1))
		sleep 0.03
	done
}

# ---- readers -------------------------------------------------------------------------------
# Each writes what it saw to its own files and counts failed reads in NAME.failed.
ck_reader() { # NAME: the latest checkpoint, a JSON line each
	while [ ! -e "$T/rstop" ]; do
		if out=$("$M" --store "$S" --json log checkpoint 2>>"$T/$1.err"); then
			printf "%s\n" "$out" >>"$T/$1.ck"
		else
			echo x >>"$T/$1.failed"
		fi
		sleep 0.1
	done
}
show_reader() { # NAME: log show --json, every eighth from the start of the test, else from the latest size - 3
	mkdir "$T/$1"
	n=0
	while [ ! -e "$T/rstop" ]; do
		n=$((n + 1))
		from=$B0
		if [ $((n % 8)) != 1 ]; then
			sz=$("$M" --store "$S" log checkpoint | sed -n 2p)
			[ -n "$sz" ] && [ "$sz" -gt $((B0 + 3)) ] && from=$((sz - 3))
		fi
		echo "$from" >"$T/$1/$n.from"
		"$M" --store "$S" --json log show --from "$from" >"$T/$1/$n.json" 2>>"$T/$1.err" || echo "$n" >>"$T/$1.failed"
		sleep 0.05
	done
}
asset_reader() { # NAME ASSET...: asset show --json, a line each
	name=$1
	shift
	while [ ! -e "$T/rstop" ]; do
		for a in "$@"; do
			if out=$("$M" --store "$S" --json asset show "$a" 2>>"$T/$name.err"); then
				printf "%s\n" "$out" >>"$T/$name.rows"
			else
				echo "$a" >>"$T/$name.failed"
			fi
			sleep 0.1
		done
	done
}
verify_reader() { # NAME: log verify, the number of entries it verified each time
	while [ ! -e "$T/rstop" ]; do
		if out=$("$M" --store "$S" log verify --threads 1 2>>"$T/$1.err"); then
			printf "%s\n" "$out" | sed -n 's/^ok: \([0-9]*\) entries.*/\1/p' >>"$T/$1.sizes"
		else
			{ printf "%s\n" "$out"; echo; } >>"$T/$1.failed"
		fi
		sleep 0.2
	done
}

# musterd's readers: threads of one client, each on its own connection.  The site
# readers record every checkpoint; the asset readers check each answer against itself
# (one snapshot) and record what they saw for the final check.
cat >"$T/http_readers.py" <<'EOF'
import json, os, sys, threading, time, urllib.request
base, T, name, passphrase = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
assets = sys.argv[5:]
stop = os.path.join(T, "rstop")
lock = threading.Lock()
seen = {"site": [], "assets": []}
problems = []

def signin():
    req = urllib.request.Request(base + "/api/v1/session", method="POST",
        data=json.dumps({"name": name, "passphrase": passphrase}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["Set-Cookie"].split(";")[0]

def get(path, cookie):
    req = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())

def site_reader(k):
    sizes = []
    while not os.path.exists(stop):
        try:
            d = get("/api/v1/site", None)
        except Exception as e:
            problems.append("site %d: %r" % (k, e)); continue
        lines = d["checkpoint"].split("\n")
        if lines[1] != str(d["size"]) or lines[2] != d["root"]:
            problems.append("site %d: size/root %s/%s not the checkpoint's" % (k, d["size"], d["root"]))
        sizes.append([d["size"], d["root"], d["checkpoint"]])
        time.sleep(0.01)
    with lock:
        seen["site"].append(sizes)

STATE_OF = {"custody.checkout": "checked_out", "custody.return": "in_depot", "asset.add": "in_depot"}

def asset_reader(k, cookie):
    rows = []
    while not os.path.exists(stop):
        for a in assets:
            try:
                d = get("/api/v1/assets/" + a, cookie)
            except Exception as e:
                problems.append("asset %d %s: %r" % (k, a, e)); continue
            h = d["history"]
            idx = [e["index"] for e in h]
            bad = []
            if idx != sorted(set(idx)): bad.append("history not in log order")
            if not all(e["signature_ok"] for e in h): bad.append("a signature fails")
            if d["last"] != idx[-1]: bad.append("last %d but the history ends at %d" % (d["last"], idx[-1]))
            at = {e["index"]: e for e in h}
            e = at.get(d["since"])
            if e is None:
                bad.append("since %d is not in the history read with it" % d["since"])
            elif STATE_OF.get(e["type"]) != d["state"]:
                bad.append("state %s but entry %d is %s" % (d["state"], d["since"], e["type"]))
            elif d["state"] == "checked_out" and e["fields"].get("holder") != d.get("holder"):
                bad.append("holder %s but entry %d names %s" % (d.get("holder"), d["since"], e["fields"].get("holder")))
            if bad:
                problems.append("asset %d %s: %s" % (k, a, "; ".join(bad)))
            rows.append([a, d["state"], d.get("holder"), d["since"], [[e["index"], e["type"], e["fields"]] for e in h[-3:]]])
            time.sleep(0.005)
    with lock:
        seen["assets"].append(rows)

cookie = signin()
threads = [threading.Thread(target=site_reader, args=(k,)) for k in range(2)]
threads += [threading.Thread(target=asset_reader, args=(k, cookie)) for k in range(6)]
for t in threads: t.start()
for t in threads: t.join()
seen["problems"] = problems
json.dump(seen, open(os.path.join(T, "http.json"), "w"))
EOF

# ---- run -----------------------------------------------------------------------------------
started=$(date +%s)
for r in ck1 ck2 ck3; do ck_reader $r & jobs_pids="$jobs_pids $!"; done
for r in show1 show2; do show_reader $r & jobs_pids="$jobs_pids $!"; done
asset_reader as1 $A3 $A4 & jobs_pids="$jobs_pids $!"
asset_reader as2 $A4 A00003 $A3 & jobs_pids="$jobs_pids $!"
verify_reader verify1 & jobs_pids="$jobs_pids $!"
"$PY" "$T/http_readers.py" "$B" "$T" keeper "$MUSTER_PASSPHRASE" $A3 $A4 A00003 A00004 2>"$T/http.err" &
http_pid=$!
R=16 # 3 + 2 + 2 + 1 CLI loops, 2 + 6 musterd clients
sleep 0.5

journal_writer w1 "$K/keeper.key" & jobs_pids="$jobs_pids $!"
journal_writer w2 "$K/admin.key" & jobs_pids="$jobs_pids $!"
custody_writer w3 "$K/keeper.key" $A3 & jobs_pids="$jobs_pids $!"
custody_writer w4 "$K/keeper2.key" $A4 & jobs_pids="$jobs_pids $!"
scan_feeder | "$M" --store "$S" --key "$K/admin.key" --json scan --action checkout --holder conc-scan --purpose drill \
	>"$T/scan.out" 2>"$T/scan.err" &
scan_pid=$!
for k in 1 2 3; do musterd_writer d$k "$T/jar$k" & jobs_pids="$jobs_pids $!"; done
W=8 # 4 CLI loops, the scan session, 3 musterd clients

sleep "$DUR"
touch "$T/stop"
wait $scan_pid
scan_rc=$?
sleep 0.5 # the writers end after their current command; the readers go on a little longer
touch "$T/rstop"
for p in $jobs_pids; do wait "$p"; done
wait $http_pid
http_rc=$?
jobs_pids=
ended=$(date +%s)
echo "# ran $((ended - started)) s: writers for $DUR s, readers until they stopped"

is "$scan_rc" 0 "the scan session exits 0"
is "$http_rc" "0" "the musterd readers ran to the end"
[ "$http_rc" = 0 ] || sed 's/^/#   /' "$T/http.err" | head -20
cat "$T"/*.failed >"$T/all.failed" 2>/dev/null
is "$(wc -l <"$T/all.failed" | tr -d ' ')" 0 "no command, read or write, failed"
for f in "$T"/*.err; do
	case $f in */d.err | */http.err) continue ;; esac # musterd's log; the readers' is shown above
	[ -s "$f" ] && { echo "# $(basename "$f"):"; head -5 "$f" | sed 's/^/#   /'; }
done

# ---- the final state -----------------------------------------------------------------------
succeeds "log verify passes on the final store" --store "$S" log verify
"$M" --store "$S" --json log show >"$T/final.json"
is "$?" 0 "the final log shows"
cp -R "$S" "$T/reindexed"
rm -f "$T/reindexed/lock.mdb"
succeeds "a copy of the store reindexes" --store "$T/reindexed" reindex
n=0
for p in $(ls "$T"/show1/*.json "$T"/show2/*.json 2>/dev/null); do n=$((n + 1)); done
echo "# log show readings: $n; checkpoint readings: $(cat "$T"/ck*.ck | wc -l | tr -d ' '); log verify runs: $(cat "$T"/verify1.sizes | wc -l | tr -d ' ')"

# The sizes for a sample of seen checkpoints, and their consistency proofs to the final tree.
"$PY" - "$T" "$S" "$B0" >"$T/sample" <<'EOF'
import glob, json, sys
T = sys.argv[1]
sizes = set()
for f in glob.glob(T + "/ck*.ck"):
    for line in open(f):
        sizes.add(json.loads(line)["size"])
try:
    for r in json.load(open(T + "/http.json"))["site"]:
        sizes.update(s[0] for s in r)
except Exception:
    pass
s = sorted(sizes)
pick = sorted(set(s[:: max(1, len(s) // 10)] + s[-2:]))
print(" ".join(map(str, pick)))
EOF
for m in $(cat "$T/sample"); do
	"$M" --store "$S" --json log consistency --old "$m" >"$T/cons.$m" 2>>"$T/cons.err" || echo "consistency --old $m failed" >>"$T/cons.err"
done
is "$(cat "$T/cons.err" 2>/dev/null)" "" "log consistency answers for every sampled size"

cat >"$T/check.py" <<'EOF'
import base64, collections, glob, hashlib, json, os, struct, sys
import lmdb
T, S, B0, W, R = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
out = []
def check(cond, desc, detail=""):
    out.append((0 if cond else 1, desc, "" if cond else detail))

def H(*parts):
    return hashlib.sha256(b"".join(parts)).digest()

# The raw store: entries, leaf hashes, checkpoint notes.
env = lmdb.open(S, max_dbs=32, readonly=True, lock=False)
logdb = env.open_db(b"log", create=False)
entries, leaves, notes = {}, {}, {}
with env.begin() as txn:
    for k, v in txn.cursor(db=logdb):
        i, kind = struct.unpack(">QB", k)
        if kind == 0: entries[i] = bytes(v)
        elif kind == 1: leaves[i] = bytes(v[:32])
        else: notes[i + 1] = bytes(v).decode()
N = len(entries)
check(sorted(entries) == list(range(N)) and all(leaves[i] == H(b"\0", entries[i]) for i in range(N)),
      "the final log: %d entries, each with its leaf hash" % N)

# The root of every size, from the leaves (RFC 6962), in one pass.
roots = {}
stack = []  # (level, hash), left to right
for i in range(N):
    stack.append((0, leaves[i]))
    while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
        (l, a), (_, b) = stack[-2], stack[-1]
        stack[-2:] = [(l + 1, H(b"\1", a, b))]
    r = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        r = H(b"\1", h, r)
    roots[i + 1] = base64.b64encode(r).decode()

final = json.load(open(T + "/final.json"))
check([e["index"] for e in final] == list(range(N)), "log show of the final store lists every entry")
by_index = {e["index"]: e for e in final}

# ---- acknowledged writes ----
def acked(name):
    p = "%s/%s.acked" % (T, name)
    return [l.split() for l in open(p)] if os.path.exists(p) else []
occur = collections.Counter()  # marker -> how many entries carry it
for e in final[B0:]:
    f = e.get("fields", {})
    if e["type"] == "journal.add" or "text" in e:
        occur[e.get("text", f.get("text"))] += 1
    elif e["type"] == "custody.checkout":
        occur[f.get("holder") if f.get("holder") != "conc-scan" else "scan:" + f["id"]] += 1
    elif e["type"] == "custody.return":
        occur[f.get("notes")] += 1
ack = []  # (marker, index)
for n in ("w1", "w2", "w3", "w4", "d1", "d2", "d3"):
    ack += [(m, int(i)) for m, i in acked(n)]
scan = [json.loads(l) for l in open(T + "/scan.out")]
check(all(s["ok"] for s in scan), "every line of the scan session was done",
      "; ".join(s.get("error", "") for s in scan if not s["ok"])[:300])
ack += [("scan:" + s["id"], s["index"]) for s in scan if s["ok"]]
E = len(ack)
lost = [m for m, i in ack if occur[m] == 0]
dup = [m for m, i in ack if occur[m] > 1]
misplaced = []
for m, i in ack:
    e = by_index.get(i)
    f = e.get("fields", {}) if e else {}
    got = e and (e.get("text") == m or f.get("text") == m or f.get("holder") == m or f.get("notes") == m or
                 (m.startswith("scan:") and f.get("holder") == "conc-scan" and "scan:" + f.get("id", "") == m))
    if not got: misplaced.append("%s@%d" % (m, i))
ours = sum(occur.values())
check(not lost, "every acknowledged write is in the log", " ".join(lost[:10]))
check(not dup, "no acknowledged write is in the log twice", " ".join(dup[:10]))
check(not misplaced, "each at the index it was acknowledged with", " ".join(misplaced[:10]))
check(ours == E and len(set(m for m, _ in ack)) == E,
      "the log holds exactly the acknowledged writes (%d) and no other marked entry" % E, "%d marked entries" % ours)
check(N == B0 + E, "the log grew by exactly the acknowledged writes (%d + %d = %d)" % (B0, E, N), "N=%d" % N)
per = collections.Counter(m.split("-")[1] if not m.startswith("scan:") else "scan" for m, _ in ack)
check(len(per) == W, "every writer had writes acknowledged (%s)" % ", ".join("%s %d" % kv for kv in sorted(per.items())))

# ---- checkpoints seen by readers ----
seqs = []
for f in sorted(glob.glob(T + "/ck*.ck")):
    seqs.append([(d["size"], d["root"], d["note"]) for d in map(json.loads, open(f))])
http = json.load(open(T + "/http.json"))
seqs += [[tuple(x) for x in s] for s in http["site"]]
check(all(len(s) > 0 for s in seqs), "every checkpoint reader read (%s times)" % ",".join(str(len(s)) for s in seqs))
shrank = [(a[0], b[0]) for s in seqs for a, b in zip(s, s[1:]) if b[0] < a[0]]
check(not shrank, "no reader ever saw the log shrink", str(shrank[:5]))
seen = set((z, r, n) for s in seqs for z, r, n in s)
wrong_root = [z for z, r, n in seen if roots.get(z) != r]
check(not wrong_root, "every seen checkpoint's root (%d distinct) is the root of the final log's first SIZE entries" % len(seen),
      str(sorted(wrong_root)[:10]))
wrong_note = [z for z, r, n in seen if notes.get(z) != n]
check(not wrong_note, "every seen checkpoint is, byte for byte, the one stored for its size", str(sorted(wrong_note)[:10]))

def consistent(m, n, rm, rn, proof):  # RFC 9162 2.1.4.2
    if m == n: return not proof and rm == rn
    path = list(proof)
    if m & (m - 1) == 0: path.insert(0, rm)
    fn, sn = m - 1, n - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = H(b"\1", c, fr), H(b"\1", c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1; sn >>= 1
                    if fn & 1 or fn == 0: break
        else:
            sr = H(b"\1", sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == rm and sr == rn
bad = []
sample = [int(x) for x in open(T + "/sample").read().split()]
for m in sample:
    d = json.load(open("%s/cons.%d" % (T, m)))
    proof = [base64.b64decode(p) for p in d["proof"]]
    rm = base64.b64decode(next(r for z, r, n in seen if z == m))
    if d["old_size"] != m or d["new_size"] != N or not consistent(m, N, rm, base64.b64decode(roots[N]), proof):
        bad.append(m)
check(sample and not bad, "log consistency proves %d sampled seen checkpoints prefixes of the final tree (RFC 9162)" % len(sample),
      str(bad))

# ---- log show readings ----
nshow, badshow = 0, []
for f in glob.glob(T + "/show*/*.json"):
    frm = int(open(f[:-5] + ".from").read())
    try:
        d = json.load(open(f))
    except ValueError as e:
        badshow.append("%s: does not parse: %s" % (f, e)); continue
    nshow += 1
    idx = [e["index"] for e in d]
    if idx != list(range(frm, frm + len(d))):  # empty: nothing was written yet
        badshow.append("%s: indexes %s.. from %d" % (f, idx[:3], frm))
    elif any(e != by_index.get(e["index"]) for e in d):
        badshow.append("%s: an entry differs from the final log's" % f)
check(nshow > 0 and not badshow, "every log show reading (%d) parses and is a run of the final log's entries" % nshow,
      "; ".join(badshow[:5]))

# ---- asset rows ----
STATE_OF = {"custody.checkout": "checked_out", "custody.return": "in_depot", "asset.add": "in_depot"}
badrows, nrows = [], 0
for f in glob.glob(T + "/as*.rows"):
    for line in open(f):
        a = json.loads(line)
        nrows += 1
        e = by_index.get(a["since"])
        f_ = e.get("fields", {}) if e else {}
        if not e or f_.get("id") != a["id"] or STATE_OF.get(e["type"]) != a["state"] or \
                (a["state"] == "checked_out" and f_.get("holder") != a.get("holder")):
            badrows.append("%s %s since %d" % (a["id"], a["state"], a["since"]))
check(nrows > 0 and not badrows, "every asset show row (%d) names, as since, the final log's entry that made its state" % nrows,
      "; ".join(badrows[:5]))
check(not http["problems"], "every musterd asset answer agrees with the history read in its snapshot",
      "; ".join(http["problems"][:5]))
badh, nh = [], 0
for rows in http["assets"]:
    for a, state, holder, since, tail in rows:
        nh += 1
        for i, typ, fields in tail:
            e = by_index.get(i)
            if not e or e["type"] != typ or e.get("fields") != fields:
                badh.append("%s: entry %d" % (a, i))
check(nh > 0 and not badh, "every history entry musterd showed (%d answers) is the final log's" % nh, "; ".join(badh[:5]))

for c, desc, detail in out:
    print("%d|%s|%s" % (c, desc, detail))
print("#|concurrency: %d writers, %d readers, %d acknowledged events, %d lost, %d duplicated|" % (W, R, E, len(lost), len(dup)))
EOF
"$PY" "$T/check.py" "$T" "$S" "$B0" "$W" "$R" >"$T/check.out" 2>"$T/check.err"
is "$?" 0 "the final check runs"
[ -s "$T/check.err" ] && sed 's/^/#   /' "$T/check.err"
while IFS='|' read -r st desc detail; do
	if [ "$st" = "#" ]; then
		echo "# $desc"
		continue
	fi
	ok "$st" "$desc"
	[ -n "$detail" ] && echo "#   $detail"
done <"$T/check.out"

# The projections the writers left equal a reindex of the log.
"$PY" - "$S" "$T/reindexed" <<'EOF'
import lmdb, sys
def dump(d):
    env = lmdb.open(d, max_dbs=32, readonly=True, lock=False)
    with env.begin() as txn:
        names = [bytes(k) for k, _ in txn.cursor()]
        return {n: list(txn.cursor(db=env.open_db(n, txn=txn, create=False)).iternext()) for n in names if n != b"log"}
a, b = dump(sys.argv[1]), dump(sys.argv[2])
sys.exit(0 if a == b else 1)
EOF
ok $? "the projections the concurrent writers left equal a reindex, byte for byte"

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
done_testing
