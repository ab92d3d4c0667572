#!/usr/bin/python3
"""crash_check.py - what tests/e2e/crash.sh asks of a store after each kill.

usage:
  crash_check.py check MUSTER STORE STATE
      After a kill: a commit the kill left unpublished is published (see
      settle()); 'muster log verify' passes; the log database is whole
      (every index has its entry and its Merkle hashes, the last one its
      checkpoint); the entries appended since the last check are read with
      'muster log show --json' and their markers counted; every projection
      database is dumped to STATE/proj.before, 'muster reindex' is run and
      they are dumped again to STATE/proj.after, and the two must be equal
      byte for byte; the store's attachments/ and the spending records that
      sign them agree.  Then every acknowledgement so far is held against
      the log.  Prints one "# ..." line per problem; exit 1 if there was any.
  crash_check.py summary TRIALS STATE...
      Over the states of every round: the line 'crash: T kill trials,
      A acknowledged events, L lost, H half-written, D duplicated', and one
      with the acknowledgements by round and how many kills left a commit
      unpublished; exit 1 unless L, H and D are 0.

The harness keeps, in STATE: acks (one marker a line for each acknowledged
event) and groups ("PREFIX ROWS ACKED [REJECTS BAD]" for each import: the
asset ids starting with PREFIX are all in or none, all if ACKED is 1; a
REJECTS file, if there is one once the rows are in, is the import's own,
naming BAD rows).  This script keeps state.json (the log size checked so
far, where each marker was seen, the attachment hashes signed; removing it
makes the next check read the whole log again) and half (a line for each
check that found something half there).

A marker names one event the harness wrote: "j:TEXT" a journal entry,
"a:ID" an asset added, "i:NOTES/ID" an inspection (a scan session's notes),
"s:INVOICE" a spending record.  Every marker the harness writes is unique,
so a marker seen twice is a duplicated event.

Run it with the system python3 (it needs Debian's python3-lmdb).
"""

import json
import os
import struct
import subprocess
import sys

import lmdb

ENTRY, HASHES, CKPT = 0, 1, 2


def env_open(store, write=False):
    size = os.path.getsize(os.path.join(store, "data.mdb"))
    return lmdb.open(store, max_dbs=64, subdir=True, readonly=not write, lock=True,
                     map_size=max(1 << 30, 2 * size))


def log_size(env):
    db = env.open_db(b"log", create=False)
    with env.begin() as txn:
        cur = txn.cursor(db=db)
        return struct.unpack(">Q", bytes(cur.key())[:8])[0] + 1 if cur.last() else 0


def settle(store):
    """Publishes a commit its writer was killed in the middle of; True if there was one.

    LMDB tells readers the newest transaction through the lock file, after
    the commit's meta page is written.  A writer killed between the two
    leaves its transaction durable but unseen by readers, for as long as
    some process (here the scan session, in life musterd) keeps the lock
    file alive, until the next writer takes the write lock, finds its owner
    dead and publishes the newest meta page.  Taking the lock (and aborting)
    does that, so that every check below sees one state."""
    env = env_open(store)
    seen = log_size(env)
    env.close()
    env = env_open(store, write=True)  # py-lmdb opens a writable environment in a write transaction
    env.begin(write=True).abort()
    now = log_size(env)
    env.close()
    return now != seen


def log_shape(env, start, problems):
    """Checks the log database from index start on; returns its size."""
    db = env.open_db(b"log", create=False)
    kinds = {}
    with env.begin() as txn:
        cur = txn.cursor(db=db)
        if cur.set_range(struct.pack(">Q", start)):
            for k, _ in cur:
                k = bytes(k)
                if len(k) != 9 or k[8] > CKPT:
                    problems.append("log key %s is not index||kind" % k.hex())
                    continue
                kinds.setdefault(struct.unpack(">Q", k[:8])[0], set()).add(k[8])
    if not kinds:
        return start
    last = max(kinds)
    for i in range(start, last + 1):
        have = kinds.get(i, set())
        if ENTRY not in have or HASHES not in have:
            problems.append("half-written: index %d has %s" % (i, sorted(have) or "nothing"))
    if CKPT not in kinds[last]:
        problems.append("half-written: the last entry, %d, has no checkpoint" % last)
    return last + 1


def dump(env, path):
    """Every database but the log, as "DB KEYHEX VALHEX" lines in key order."""
    names = []
    with env.begin() as txn:
        for k, _ in txn.cursor():
            names.append(bytes(k))
    with open(path, "w") as out:
        for name in sorted(names):
            if name == b"log":
                continue
            db = env.open_db(name, create=False)
            with env.begin() as txn:
                for k, v in txn.cursor(db=db):
                    out.write("%s %s %s\n" % (name.decode(), bytes(k).hex(), bytes(v).hex()))


def marker(e):
    f = e.get("fields", {})
    t = e.get("type")
    if t == "journal":
        return "j:" + e.get("text", "")
    if t == "asset.add":
        return "a:" + f.get("id", "")
    if t == "inspect.record":
        return "i:%s/%s" % (f.get("notes", ""), f.get("id", ""))
    if t == "spend.record":
        return "s:" + f.get("invoice", "")
    return None


def lines(path):
    try:
        with open(path) as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except FileNotFoundError:
        return []


def load(state):
    try:
        with open(os.path.join(state, "state.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"size": 0, "seen": {}, "refs": {}}


def tally(st, state):
    """(acknowledged events, lost, duplicated, half-written imports, problem lines)."""
    seen = st["seen"]
    problems = []
    acked = lost = dup = half = 0
    for m in lines(os.path.join(state, "acks")):
        acked += 1
        if m not in seen:
            lost += 1
            problems.append("lost: %s was acknowledged and is not in the log" % m)
    for m, at in seen.items():
        if len(at) > 1:
            dup += len(at) - 1
            problems.append("duplicated: %s at entries %s" % (m, at))
    counts = {}
    for m in seen:
        if m.startswith("a:I"):
            p = m[2:].rsplit("-", 1)[0]
            counts[p] = counts.get(p, 0) + 1
    for g in lines(os.path.join(state, "groups")):
        w = g.split()
        prefix, rows, ok = w[0], int(w[1]), w[2] == "1"
        n = counts.get(prefix, 0)
        if ok:
            acked += rows
        if n not in (0, rows):
            half += 1
            problems.append("half-written: import %s has %d of its %d rows" % (prefix, n, rows))
        elif ok and n == 0:
            lost += rows
            problems.append("lost: import %s exited 0 and none of its %d rows is in" % (prefix, rows))
        if len(w) == 5 and os.path.exists(w[3]):
            with open(w[3], encoding="utf-8-sig") as f:
                body = f.read()
            mine = body.count("\n" + prefix + "-")
            if body.startswith("stale") and n == rows:
                half += 1
                problems.append("inconsistent: import %s is in but its rejects file is the old one" % prefix)
            elif not body.startswith("stale") and (n != rows or mine != int(w[4])):
                half += 1
                problems.append("inconsistent: import %s has %d of %d rows and a rejects file naming %d of %s"
                                % (prefix, n, rows, mine, w[4]))
    return acked, lost, dup, half, problems


def check(muster, store, state):
    st = load(state)
    problems = []
    if settle(store):
        with open(os.path.join(state, "unpublished"), "a") as f:
            f.write("1\n")
    r = subprocess.run([muster, "--store", store, "log", "verify"], capture_output=True)
    if r.returncode != 0:
        problems.append("log verify failed (exit %d): %s" % (r.returncode, (r.stdout + r.stderr).decode(errors="replace")
                                                             .strip().replace("\n", " / ")))
    env = env_open(store)
    size = log_shape(env, max(st["size"] - 1, 0), problems)
    env.close()

    if size > st["size"]:
        out = subprocess.run([muster, "--store", store, "--json", "log", "show", "--from", str(st["size"]),
                              "--count", str(size - st["size"])], capture_output=True, check=True).stdout
        for e in json.loads(out):
            m = marker(e)
            if m:
                st["seen"].setdefault(m, []).append(e["index"])
            for h in e.get("fields", {}).get("attachments", []) if e.get("type") == "spend.record" else []:
                st["refs"][h] = st["refs"].get(h, 0) + 1
        st["size"] = size

    before, after = os.path.join(state, "proj.before"), os.path.join(state, "proj.after")
    env = env_open(store)
    dump(env, before)
    env.close()
    r = subprocess.run([muster, "--store", store, "reindex"], capture_output=True)
    if r.returncode != 0:
        problems.append("reindex failed: %s" % r.stderr.decode(errors="replace").strip())
    env = env_open(store)
    dump(env, after)
    env.close()
    with open(before) as a, open(after) as b:
        x, y = a.read(), b.read()
    if x != y:
        x, y = x.splitlines(), y.splitlines()
        sx, sy = set(x), set(y)
        problems.append("projections differ from a reindex: %d records only before, %d only after"
                        % (len(sx - sy), len(sy - sx)))
        problems += ["  before: " + l[:200] for l in x if l not in sy][:3]
        problems += ["  after:  " + l[:200] for l in y if l not in sx][:3]

    att = os.path.join(store, "attachments")
    if os.path.isdir(att):
        names = os.listdir(att)
        files = {n for n in names if len(n) == 64}
        pending = lines(os.path.join(att, ".pending"))
        owned = set(pending[1:])
        for h in st["refs"]:
            if h not in files:
                problems.append("inconsistent: a spending record signs attachment %s, which is not kept" % h)
        for h in files - set(st["refs"]) - owned:
            problems.append("inconsistent: attachment %s is kept and no spending record signs it" % h)
        pid = pending[0].split()[1] if pending and len(pending[0].split()) == 2 else None
        for n in names:
            if n.startswith(".tmp") and n != ".tmp" + str(pid):
                problems.append("inconsistent: %s left in attachments/ by no interrupted write" % n)

    if problems:  # a kill after which something was half there, or did not verify or reindex alike
        with open(os.path.join(state, "half"), "a") as f:
            f.write("%d\n" % len(problems))
    with open(os.path.join(state, "state.json.tmp"), "w") as f:
        json.dump(st, f)
    os.rename(os.path.join(state, "state.json.tmp"), os.path.join(state, "state.json"))
    _, _, _, _, more = tally(st, state)
    for p in problems + more:
        print("# " + p)
    return 1 if problems or more else 0


def summary(trials, states):
    acked = lost = dup = half = unpublished = 0
    rounds = []
    for state in states:
        a, l, d, h, _ = tally(load(state), state)
        rounds.append("%d (%d single, %d in imports)" % (a, len(lines(os.path.join(state, "acks"))),
                                                        a - len(lines(os.path.join(state, "acks")))))
        acked, lost, dup = acked + a, lost + l, dup + d
        half += h + len(lines(os.path.join(state, "half")))
        unpublished += len(lines(os.path.join(state, "unpublished")))
    print("crash: %s kill trials, %d acknowledged events, %d lost, %d half-written, %d duplicated"
          % (trials, acked, lost, half, dup))
    print("(acknowledged by round: %s; %d kills fell between a commit's meta page and LMDB publishing it to readers)"
          % (", ".join(rounds), unpublished))
    return 0 if lost == half == dup == 0 else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "check":
        return check(*argv[2:])
    if len(argv) >= 4 and argv[1] == "summary":
        return summary(argv[2], argv[3:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
