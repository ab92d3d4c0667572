#!/usr/bin/python3
"""tamper_gen.py - the tampering campaign over a generated store (tamper_gen.sh).

The same attacker as tamper.py (it imports its helpers): the store directory
and python3-lmdb, and here also what lies in that directory - the site's
log.key, which signs checkpoints.  So besides plain edits, the attacker
rebuilds the Merkle tree over an edited log and re-signs every checkpoint
(python3-cryptography): then only what no file in the store can forge
catches the edit, the entries' own signatures and the previous-root chain.

Every sample is drawn from random.Random(seed); tamper_gen.sh prints the seed.

usage:
  tamper_gen.py groups STORE SEED          the case groups, one a line ("CATEGORY:ARGS")
  tamper_gen.py cases STORE OUT GROUP      one tampered copy per case under OUT/, a manifest
                                           line each: "DIR WANT DESCRIPTION"; WANT is the entry
                                           'muster log verify' must name, 'ok' (verify and
                                           'reindex --check' pass), 'proj:DB:KEYHEX' ('muster
                                           reindex --check' must name that database and key), or
                                           'rollback' (verify passes alone; --against the
                                           store's latest checkpoint, kept outside, fails), or
                                           'refused' (the store is not opened: its format is
                                           newer than muster's, or not one)
  tamper_gen.py setkey STORE KEYIDHEX ROLES REVOKED
                                           rewrites one keys projection record in place
                                           (roles; revoked 0 = active)
"""

import base64
import hashlib
import os
import random
import sys

sys.dont_write_bytecode = True  # importing tamper.py must leave nothing in the source tree
import tamper as T  # noqa: E402
from tamper import CKPT, ENTRY, HASH, HASHES, be64, lkey, leaf_hash, node_hash  # noqa: E402

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    HAVE_CRYPTO = True
except ImportError:  # the re-signing cases need it; tamper_gen.sh says so
    HAVE_CRYPTO = False

DASH = "\u2014".encode()


# ---- what the attacker decodes -------------------------------------------------------

TYPE_NAMES = {1: "site.init", 2: "key.enrol", 3: "key.roles", 4: "key.revoke", 5: "journal", 6: "site.url",
              10: "team.add", 11: "depot.add", 20: "asset.add", 21: "asset.update", 22: "asset.relabel",
              30: "custody.checkout", 31: "custody.return", 32: "custody.repair_out", 33: "custody.repair_back",
              34: "custody.handover", 35: "custody.accept", 36: "custody.cancel", 37: "custody.requisition",
              38: "custody.release", 39: "asset.scrap", 40: "inspect.rule", 41: "inspect.record",
              50: "count.start", 51: "count.scan", 52: "count.close", 60: "person.add", 61: "person.update",
              62: "cert.kind", 63: "cert.add", 64: "cert.renew", 65: "cert.review", 66: "cert.revoke",
              67: "exam.record", 68: "health.rule", 69: "site.policy", 70: "deploy.open", 71: "deploy.person",
              72: "deploy.time", 73: "deploy.return", 74: "deploy.report", 80: "fund.add", 81: "budget.set",
              82: "spend.record", 83: "spend.approve", 84: "spend.reject", 85: "audit.dispose", 86: "fund.source"}


def event_name(t):
    return TYPE_NAMES.get(t, "type-%d" % t)


def genesis_origin(entry):
    """The origin a site.init entry names (its body's first text)."""
    body = T.decode(entry)["body"]
    n, _, off = T.uvarint(body, 0)
    return bytes(body[off:off + n])


def keyrec(v):
    """A keys projection record (docs/STORE.md) as a dict."""
    n, _, off = T.uvarint(v, 0)
    r = {"pk": v[off:off + n]}
    off += n
    for name in ("roles", "enrolled", "revoked"):
        r[name], _, off = T.uvarint(v, off)
    n, _, off = T.uvarint(v, off)
    r["holder"] = v[off:off + n]
    off += n
    r["roles_at"] = T.uvarint(v, off)[0] if off < len(v) else None
    return r


def keyrec_encode(r):
    out = T.put_uvarint(len(r["pk"])) + r["pk"]
    for name in ("roles", "enrolled", "revoked"):
        out += T.put_uvarint(r[name])
    out += T.put_uvarint(len(r["holder"])) + r["holder"]
    return out + (T.put_uvarint(r["roles_at"]) if r["roles_at"] is not None else b"")


# ---- the log as the attacker rebuilds it -----------------------------------------

class Tree:
    """The stored Merkle hashes of a log of `size` entries, editable: a dict of
    index -> bytearray (the kind-1 records), addressed as tlog numbers them."""

    def __init__(self, hashes, size):
        self.rec = {i: bytearray(v) for i, v in hashes.items()}
        self.size = size
        self.dirty = set()

    def get(self, level, pos):
        r = ((pos + 1) << level) - 1
        return bytes(self.rec[r][HASH * level:HASH * (level + 1)])

    def set(self, level, pos, h):
        r = ((pos + 1) << level) - 1
        self.rec[r][HASH * level:HASH * (level + 1)] = h
        self.dirty.add(r)

    def fix(self, i, leaf):
        """Leaf i is now `leaf`: every stored hash above it is recomputed."""
        self.set(0, i, leaf)
        level = 1
        while True:
            pos = i >> level
            if ((pos + 1) << level) - 1 >= self.size:
                return
            self.set(level, pos, node_hash(self.get(level - 1, 2 * pos), self.get(level - 1, 2 * pos + 1)))
            level += 1

    def root(self, size):
        """RFC 6962 root of the first `size` leaves, from the complete subtrees stored."""
        parts, start = [], 0
        for level in range(63, -1, -1):
            if size >> level & 1:
                parts.append(self.get(level, start >> level))
                start += 1 << level
        if not parts:
            return hashlib.sha256(b"").digest()
        h = parts[-1]
        for left in reversed(parts[:-1]):
            h = node_hash(left, h)
        return h


def full_tree(leaves):
    """The kind-1 records of a log with these leaf hashes, and the root after each size."""
    recs, stack, roots = [], [], [hashlib.sha256(b"").digest()]
    for n, leaf in enumerate(leaves):
        hs, h, level = [leaf], leaf, 0
        while n >> level & 1:
            h = node_hash(stack.pop(), h)
            hs.append(h)
            level += 1
        stack.append(h)
        recs.append(b"".join(hs))
        r = stack[-1]
        for left in reversed(stack[:-1]):
            r = node_hash(left, r)
        roots.append(r)
    return recs, roots


class Site:
    """What the store directory gives away: its origin and the log key (log.key)."""

    def __init__(self, store, entries):
        self.origin = genesis_origin(entries[0])
        self.sk = None
        if HAVE_CRYPTO:
            with open(os.path.join(store, "log.key"), "rb") as f:
                raw = f.read()
            assert raw[:16] == b"MUSTERSITEKEY1\n\0" and len(raw) == 48
            self.sk = Ed25519PrivateKey.from_private_bytes(raw[16:])
            pk = self.sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.keyhash = hashlib.sha256(self.origin + b"\n\x01" + pk).digest()[:4]

    def note(self, size, root):
        """A checkpoint for (size, root) signed with the site's own log key."""
        text = self.origin + b"\n" + str(size).encode() + b"\n" + base64.b64encode(root) + b"\n"
        sig = base64.b64encode(self.keyhash + self.sk.sign(text))
        return text + b"\n" + DASH + b" " + self.origin + b" " + sig + b"\n"


class Log:
    """A generated store's log, read once per group."""

    def __init__(self, store):
        env = T.env_open(store)
        self.entries, self.hashes, self.ckpt = T.split_log(env)
        env.close()
        self.size = len(self.entries)
        self.types = [T.decode(v)["type"] for v in self.entries]
        self.site = Site(store, self.entries)

    def resign_after(self, db, txn, tree, first):
        """Writes the dirty hash records and re-signs every checkpoint of a size past `first`."""
        for r in sorted(tree.dirty):
            txn.put(lkey(r, HASHES), bytes(tree.rec[r]), db=db)
        for c in sorted(self.ckpt):
            if c >= first:
                txn.put(lkey(c, CKPT), self.site.note(c + 1, tree.root(c + 1)), db=db)


# ---- the groups --------------------------------------------------------------------

def logdb(env, txn):
    return env.open_db(b"log", txn=txn, create=False)


def put_entry(i, v):
    return lambda env, txn: txn.put(lkey(i, ENTRY), v, db=logdb(env, txn))


FIELDS = ("type", "index", "time", "prev_root", "signer", "body_len", "body", "sig", "version")


def flipped(entry, field, rnd):
    """entry with one random bit of `field` flipped; (bytes, offset, bit)."""
    a, b = T.fields(entry)[field]
    if a == b:  # an empty body: its length instead
        a, b = T.fields(entry)["body_len"]
    off, bit = rnd.randrange(a, b), rnd.randrange(8)
    v = bytearray(entry)
    v[off] ^= 1 << bit
    return bytes(v), off, bit


def group_types(m, lg, seed, part, per):
    """A seeded sample of every event type present: an entry of each with one bit
    flipped and the tree rebuilt and every later checkpoint re-signed with
    log.key, so that only its signature, its decoding or its key state can tell;
    a second one of every other type flipped plainly, which the Merkle hashes
    catch whatever the type."""
    rnd = random.Random("%d:types" % seed)
    types = sorted(set(lg.types))
    occ = {t: [i for i, x in enumerate(lg.types) if x == t] for t in types}
    plan = []
    for k, t in enumerate(types):
        n = min(2 if k % 2 == seed % 2 else 1, len(occ[t]))
        for j, i in enumerate(sorted(rnd.sample(occ[t], n))):
            resign = (j == n - 1) and lg.site.sk is not None  # the stronger edit for every type
            plan.append((k, t, i, FIELDS[(3 * k + j) % len(FIELDS)], resign, rnd.random()))
    for k, t, i, field, resign, r in plan:
        if k // per != part:
            continue
        new, off, bit = flipped(lg.entries[i], field, random.Random(r))
        name = event_name(t)
        if not resign:
            m.case(i, "%s entry %d: bit %d of byte %d (%s)" % (name, i, bit, off, field), put_entry(i, new))
            continue

        def edit(env, txn, i=i, new=new):
            db = logdb(env, txn)
            tree = Tree(lg.hashes, lg.size)
            tree.fix(i, leaf_hash(new))
            txn.put(lkey(i, ENTRY), new, db=db)
            lg.resign_after(db, txn, tree, i)
        m.case(i, "%s entry %d: bit %d of byte %d (%s), Merkle tree rebuilt and checkpoints re-signed with log.key" % (
            name, i, bit, off, field), edit)


def group_merkle(m, lg, seed):
    """Every level of stored node: a flipped bit in a random one (and in the last
    complete one of the lowest levels), a few replaced by their sibling's hash;
    hash records cut, grown, deleted, swapped."""
    rnd = random.Random("%d:merkle" % seed)
    size = lg.size
    top = size.bit_length() - 1
    siblings = set(rnd.sample(range(1, top), 2))  # levels below the top one hold two nodes or more
    for level in range(top + 1):
        count = size >> level  # complete nodes at this level
        picks = {rnd.randrange(count)} | ({count - 1} if level == 0 else set())
        for pos in sorted(picks):
            r = ((pos + 1) << level) - 1
            off, bit = HASH * level + rnd.randrange(HASH), rnd.randrange(8)
            m.case(r, "level-%d node %d (in the hashes of entry %d): bit %d of byte %d" % (level, pos, r, bit, off),
                   T.flip("log", lkey(r, HASHES), off, bit))
        if level in siblings:
            pos = rnd.randrange(count // 2) * 2 + 1  # a right child: its left sibling exists
            r = ((pos + 1) << level) - 1

            def sib(env, txn, r=r, level=level, pos=pos):
                v = bytearray(lg.hashes[r])
                v[HASH * level:HASH * (level + 1)] = Tree(lg.hashes, size).get(level, pos - 1)
                txn.put(lkey(r, HASHES), bytes(v), db=logdb(env, txn))
            m.case(r, "level-%d node %d replaced by its left sibling's hash" % (level, pos), sib)
    i = (1 << top) - 1  # the record with the most hashes
    h = lg.hashes[i]
    m.case(i, "hashes of entry %d (%d hashes) without the top one" % (i, len(h) // HASH),
           lambda env, txn: txn.put(lkey(i, HASHES), h[:-HASH], db=logdb(env, txn)))
    j = rnd.randrange(size)
    m.case(j, "hashes of entry %d with one more hash" % j,
           lambda env, txn: txn.put(lkey(j, HASHES), lg.hashes[j] + os.urandom(HASH), db=logdb(env, txn)))
    j2 = rnd.randrange(size)
    m.case(j2, "hashes of entry %d deleted" % j2,
           lambda env, txn: txn.delete(lkey(j2, HASHES), db=logdb(env, txn)) and None)
    a = rnd.randrange(size - 1)
    m.case(a, "hashes of entries %d and %d swapped" % (a, a + 1),
           lambda env, txn: (txn.put(lkey(a, HASHES), lg.hashes[a + 1], db=logdb(env, txn)),
                             txn.put(lkey(a + 1, HASHES), lg.hashes[a], db=logdb(env, txn))) and None)


def note_lines(note):
    """(start, end) of each line of a note, and the index of the blank one."""
    out, p = [], 0
    while p < len(note):
        e = note.index(b"\n", p)
        out.append((p, e))
        p = e + 1
    return out


def group_ckpt(m, lg, seed):
    """The latest checkpoint (cosigned): one bit in each part of its text and of
    the site's signature line; older ones (the first, the gen's, one of the later
    writes): a bit in two of their lines; then deleted, moved, replaced, and
    re-signed with log.key over a wrong root."""
    rnd = random.Random("%d:ckpt" % seed)
    last = lg.size - 1
    sizes = sorted(lg.ckpt)
    older = [c for c in sizes if c != last]
    note = lg.ckpt[last]
    lines = note_lines(note)
    blank = next(k for k, (a, b) in enumerate(lines) if a == b)
    site = lines[blank + 1]
    name_end = note.index(b" ", site[0] + len(DASH) + 1)
    parts = [("origin line", lines[0]), ("size line", lines[1]), ("root line", (lines[2][0], lines[2][1] + 1)),
             ("the blank line", (lines[blank][0], lines[blank][0] + 1)),
             ("the site's dash and name", (site[0], name_end)), ("the key hash", (name_end + 1, name_end + 6)),
             ("the signature", (name_end + 6, site[1] - 4)), ("the signature's end", (site[1] - 4, site[1] + 1))]
    for what, (a, b) in parts:
        off, bit = rnd.randrange(a, b), rnd.randrange(8)
        m.case(last, "latest checkpoint (size %d): %s, bit %d of byte %d" % (lg.size, what, bit, off),
               T.flip("log", lkey(last, CKPT), off, bit))
    m.case(last, "latest checkpoint: the witness's cosignature kept, the site's signature line removed",
           lambda env, txn: txn.put(lkey(last, CKPT), note[:site[0]] + note[site[1] + 1:], db=logdb(env, txn)))
    for k, c in enumerate(older[:3] + rnd.sample(older[3:], 1)):
        n = lg.ckpt[c]
        ls = [x for x in note_lines(n) if x[0] != x[1]]
        for a, b in (ls[k % len(ls)], ls[(k + 2) % len(ls)]):
            off, bit = rnd.randrange(a, b), rnd.randrange(8)
            m.case(c, "checkpoint for size %d: bit %d of byte %d" % (c + 1, bit, off),
                   T.flip("log", lkey(c, CKPT), off, bit))

    def put(c, v):
        return lambda env, txn: txn.put(lkey(c, CKPT), v, db=logdb(env, txn))

    def drop(c):
        return lambda env, txn: txn.delete(lkey(c, CKPT), db=logdb(env, txn)) and None
    m.case(last, "latest checkpoint deleted", drop(last))
    m.case("ok", "an older checkpoint (size %d) deleted" % (older[0] + 1), drop(older[0]))
    m.case(last, "latest checkpoint replaced by the one for size %d" % (older[-1] + 1), put(last, lg.ckpt[older[-1]]))
    m.case(older[1], "checkpoint for size %d replaced by the one for size %d" % (older[1] + 1, older[0] + 1),
           put(older[1], lg.ckpt[older[0]]))
    mid = rnd.randrange(older[0] + 1, last)
    while mid in lg.ckpt:
        mid = rnd.randrange(older[0] + 1, last)
    m.case(mid, "the checkpoint for size %d filed again at size %d" % (older[0] + 1, mid + 1), put(mid, lg.ckpt[older[0]]))
    if lg.site.sk is None:
        return
    tree = Tree(lg.hashes, lg.size)
    wrong = hashlib.sha256(b"another root").digest()
    m.case(last, "latest checkpoint re-signed with log.key over another root", put(last, lg.site.note(lg.size, wrong)))
    m.case(mid, "a checkpoint for size %d signed with log.key over another root" % (mid + 1),
           put(mid, lg.site.note(mid + 1, wrong)))
    m.case(mid, "a checkpoint for size %d signed with log.key over the root of size %d" % (mid + 1, mid),
           put(mid, lg.site.note(mid + 1, tree.root(mid))))
    # A checkpoint the site could have signed: the right root at a size that had none.
    m.case("ok", "a checkpoint for size %d signed with log.key over its true root" % (mid + 1),
           put(mid, lg.site.note(mid + 1, tree.root(mid + 1))))
    imp = Ed25519PrivateKey.generate()
    text = note[:lines[blank][0]]
    fake = text + b"\n" + DASH + b" " + lg.site.origin + b" " + base64.b64encode(lg.site.keyhash + imp.sign(text)) + b"\n"
    m.case(last, "latest checkpoint signed by an impostor key under the site's key hash", put(last, fake))


def shifted(entries, b, extra):
    """The log with `extra` inserted at index b (entries b.. move up by one)."""
    return entries[:b] + [extra] + entries[b:]


def rewrite_log(lg, new_entries, ckpt_sizes):
    """An edit that replaces the whole log by new_entries, with a consistent
    Merkle tree and checkpoints signed with log.key at ckpt_sizes."""
    def edit(env, txn):
        db = logdb(env, txn)
        for i in range(max(len(new_entries), lg.size)):
            for kind in (ENTRY, HASHES, CKPT):
                txn.delete(lkey(i, kind), db=db)
        recs, roots = full_tree([leaf_hash(v) for v in new_entries])
        for i, v in enumerate(new_entries):
            txn.put(lkey(i, ENTRY), v, db=db)
            txn.put(lkey(i, HASHES), recs[i], db=db)
        for s in ckpt_sizes:
            if 0 < s <= len(new_entries):
                txn.put(lkey(s - 1, CKPT), lg.site.note(s, roots[s]), db=db)
    return edit


def group_structure(m, lg, seed):
    """Entries deleted, stored twice, appended again, inserted, swapped, truncated, rewritten."""
    rnd = random.Random("%d:structure" % seed)
    size, last = lg.size, lg.size - 1
    sample = sorted(set(rnd.sample(range(1, last), 3) + [1023, 1024, 4096]))
    for i in sample:
        m.case(i, "entry %d (%s) deleted" % (i, event_name(lg.types[i])),
               lambda env, txn, i=i: txn.delete(lkey(i, ENTRY), db=logdb(env, txn)) and None)
    i = rnd.randrange(1, last)

    def drop_all(env, txn, i=i):
        for kind in (ENTRY, HASHES, CKPT):
            txn.delete(lkey(i, kind), db=logdb(env, txn))
    m.case(i, "entry %d deleted with its hashes (and checkpoint)" % i, drop_all)
    for _ in range(2):
        a, b = rnd.sample(range(1, size), 2)
        m.case(b, "entry %d stored again over entry %d" % (a, b), put_entry(b, lg.entries[a]))
    a = rnd.randrange(1, last)
    m.case(size, "entry %d appended again as entry %d" % (a, size), put_entry(size, lg.entries[a]))
    for _ in range(2):
        a, b = sorted(rnd.sample(range(1, size), 2))
        m.case(a, "entries %d and %d swapped" % (a, b),
               lambda env, txn, a=a, b=b: (txn.put(lkey(a, ENTRY), lg.entries[b], db=logdb(env, txn)),
                                          txn.put(lkey(b, ENTRY), lg.entries[a], db=logdb(env, txn))) and None)
    a = rnd.randrange(1, last)
    m.case(a, "entries %d and %d swapped with their Merkle hashes" % (a, a + 1),
           lambda env, txn: [txn.put(lkey(x, k), d[y], db=logdb(env, txn))
                             for k, d in ((ENTRY, lg.entries), (HASHES, lg.hashes))
                             for x, y in ((a, a + 1), (a + 1, a))] and None)
    if lg.site.sk is None:
        return
    sizes = [c + 1 for c in lg.ckpt]
    # With log.key the attacker makes every Merkle hash and checkpoint agree with the edited log.
    a, b = rnd.sample(range(1, size), 2)
    m.case(b, "entry %d stored again over entry %d, tree rebuilt, checkpoints re-signed" % (a, b),
           rewrite_log(lg, lg.entries[:b] + [lg.entries[a]] + lg.entries[b + 1:], sizes))
    a = rnd.randrange(1, last)
    m.case(size, "entry %d appended again as entry %d, tree rebuilt, a checkpoint signed for %d" % (a, size, size + 1),
           rewrite_log(lg, lg.entries + [lg.entries[a]], sizes + [size + 1]))
    a, b = sorted(rnd.sample(range(1, size), 2))
    m.case(b, "entry %d inserted again at %d (later entries moved up), tree rebuilt, checkpoints re-signed" % (a, b),
           rewrite_log(lg, shifted(lg.entries, b, lg.entries[a]), [s + 1 if s > b else s for s in sizes]))
    a, b = sorted(rnd.sample(range(1, size), 2))
    sw = list(lg.entries)
    sw[a], sw[b] = sw[b], sw[a]
    m.case(a, "entries %d and %d swapped, tree rebuilt, checkpoints re-signed" % (a, b), rewrite_log(lg, sw, sizes))
    i = rnd.randrange(1, last)
    m.case(i, "entry %d deleted (later entries moved down), tree rebuilt, checkpoints re-signed" % i,
           rewrite_log(lg, lg.entries[:i] + lg.entries[i + 1:], [s - 1 if s > i else s for s in sizes]))
    # A record at index 2^64-1 once wrapped the walk's size to 0: nothing was checked, entry 0 blamed.
    i = rnd.randrange(1, last)
    new, off, bit = flipped(lg.entries[i], "body", rnd)
    changed = rewrite_log(lg, lg.entries[:i] + [new] + lg.entries[i + 1:], sizes)

    def stray(env, txn):
        changed(env, txn)
        txn.put(lkey(2 ** 64 - 1, ENTRY), lg.entries[i], db=logdb(env, txn))
    m.case(i, "entry %d's body changed, tree rebuilt, checkpoints re-signed, a record at index 2^64-1" % i, stray)
    # A rollback the store cannot tell by itself: the last writes cut, a checkpoint for the rest signed.
    for k in (1, 7):
        m.case("rollback", "the last %d entries cut, a checkpoint for size %d signed with log.key" % (k, size - k),
               rewrite_log(lg, lg.entries[:size - k], [s for s in sizes if s < size - k] + [size - k]))
    # The last entry rewritten (its text), everything after it made to agree: its signature cannot.
    e = lg.entries[last]
    new, off, bit = flipped(e, "body", rnd)
    m.case(last, "the last entry's body changed (bit %d of byte %d), tree and checkpoint made to agree" % (bit, off),
           rewrite_log(lg, lg.entries[:last] + [new], sizes))
    # Forged entries at the end: by a key nobody enrolled, and claiming the first admin's.
    d = T.decode(lg.entries[last])
    tree = Tree(lg.hashes, size)
    for who, sk in (("an unenrolled key", Ed25519PrivateKey.generate()), ("the first admin (random signature)", None)):
        pk = (sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) if sk
              else T.decode(lg.entries[0])["signer"])
        text = "伪造的值班记录".encode()
        body = T.put_uvarint(len(text)) + text
        unsigned = (T.put_uvarint(1) + T.put_uvarint(5) + T.put_uvarint(size) + T.put_uvarint(d["time"] + 1) +
                    tree.root(size) + pk + T.put_uvarint(len(body)) + body)
        sig = sk.sign(b"muster/event/v1\x00" + unsigned) if sk else os.urandom(64)
        m.case(size, "a journal entry %d forged by %s, tree extended, a checkpoint signed for %d" % (size, who, size + 1),
               rewrite_log(lg, lg.entries + [unsigned + sig], sizes + [size + 1]))


def proj_dbs():
    return ["meta", "keys", "journal", "team", "depot", "asset", "serial", "history", "rule", "inspect", "count",
            "scan", "person", "roster", "cert", "cert_kind", "exam", "health_rule", "deployment", "crew", "owed",
            "fund", "budget", "spend", "disposition", "fund_source", "spend_date"]


def group_keys(m, store, seed):
    """The key records: role bits, public keys swapped, a record deleted, added, moved, un-revoked."""
    rnd = random.Random("%d:keys" % seed)
    env = T.env_open(store)
    recs = T.records(env, "keys")
    env.close()
    ids = [k for k, _ in recs]
    val = dict(recs)

    def put(k, v):
        return lambda env, txn: txn.put(k, v, db=env.open_db(b"keys", txn=txn, create=False))

    def want(k):
        return "proj:keys:" + k.hex()
    for k in rnd.sample(ids, 3):
        v = bytearray(val[k])
        bit = rnd.randrange(7)
        v[33] ^= 1 << bit  # roles, one LEB128 byte
        m.case(want(k), "key %s: role bit %d flipped" % (k.hex(), bit), put(k, bytes(v)))
    a, b = sorted(rnd.sample(ids, 2))

    def swap(env, txn):
        db = env.open_db(b"keys", txn=txn, create=False)
        va, vb = bytearray(val[a]), bytearray(val[b])
        va[1:33], vb[1:33] = val[b][1:33], val[a][1:33]
        txn.put(a, bytes(va), db=db)
        txn.put(b, bytes(vb), db=db)
    m.case(want(a), "keys %s and %s: public keys swapped" % (a.hex(), b.hex()), swap)
    k = rnd.choice(ids)
    m.case(want(k), "key %s: record deleted" % k.hex(),
           lambda env, txn: txn.delete(k, db=env.open_db(b"keys", txn=txn, create=False)) and None)
    new = os.urandom(8)
    admin = next(kk for kk in ids if val[kk][33] & 1)
    m.case(want(new), "a key record added (%s, a copy of an admin's)" % new.hex(), put(new, val[admin]))
    k = rnd.choice(ids)
    moved = bytes(k[:7]) + bytes([k[7] ^ 0x80])

    def move(env, txn):
        db = env.open_db(b"keys", txn=txn, create=False)
        txn.delete(k, db=db)
        txn.put(moved, val[k], db=db)
    m.case(want(min(k, moved)), "key %s's record moved to id %s" % (k.hex(), moved.hex()), move)
    revoked = [kk for kk in ids if keyrec(val[kk])["revoked"]]
    for kk in revoked[:1]:
        m.case(want(kk), "key %s: revocation cleared" % kk.hex(), put(kk, keyrec_encode(dict(keyrec(val[kk]), revoked=0))))
    k = rnd.choice(ids)
    r = keyrec(val[k])
    m.case(want(k), "key %s: holder renamed" % k.hex(), put(k, keyrec_encode(dict(r, holder="冒名顶替".encode()))))


def show(k):
    """A projection key for a test's name: its text when it is printable UTF-8
    (0x00 separators as U+00B7; TAP lines are echoed, so no backslash), else hex."""
    try:
        t = k.decode()
        if t.replace("\0", "").isprintable() and "#" not in t and "\\" not in t:
            return t.replace("\0", "\u00b7")
    except UnicodeDecodeError:
        pass
    return "0x" + k.hex()


IDENTITY = (b"format", b"origin", b"log_pk", b"tag_pk")  # meta's site identity: cases of their own


def group_proj(m, store, seed, part, per):
    """Every other projection database: two of a record's bytes flipped, a
    record deleted, one added (in turn); meta's tag key, which log verify
    checks too."""
    rnd = random.Random("%d:proj" % seed)
    env = T.env_open(store)
    plan = []
    for name in proj_dbs():
        recs = [(k, v) for k, v in T.records(env, name) if not (name == "meta" and k in IDENTITY)]
        if name == "keys" or not recs:
            continue
        (k, v), (k2, v2), (k3, _) = rnd.choice(recs), rnd.choice(recs), rnd.choice(recs)
        off, bit = (rnd.randrange(len(v)), rnd.randrange(8)) if v else (0, 0)
        nk = be64(10 ** 12 + rnd.randrange(10 ** 6)) if len(k2) == 8 and name in ("journal", "spend") else k2 + b"~"
        plan.append((name, k, v, off, bit, k3, nk, v2))
    tag = dict(T.records(env, "meta"))[b"tag_pk"]
    first = {name: T.records(env, name)[0][0] for name in ("keys", "asset")}
    env.close()
    for j, (name, k, v, off, bit, k3, nk, v2) in enumerate(plan):
        if j // per != part:
            continue
        skip = j % 3  # two of the three edits per database, in turn

        def put(key, val, name=name):
            return lambda env, txn: txn.put(key, val, db=env.open_db(name.encode(), txn=txn, create=False)) and None

        def drop(key, name=name):
            return lambda env, txn: txn.delete(key, db=env.open_db(name.encode(), txn=txn, create=False)) and None

        def change(key, old, val, name=name):
            """A record's value replaced: in a DUPSORT database (history) a put
            adds a duplicate, so the old one is deleted first (a new value that
            equals another duplicate leaves one fewer, found all the same)."""
            def edit(env, txn):
                db = env.open_db(name.encode(), txn=txn, create=False)
                if db.flags(txn)["dupsort"]:
                    assert txn.delete(key, old, db=db)
                txn.put(key, val, db=db)
            return edit
        want = "proj:%s:" % name
        if skip != 0 and v:
            b = bytearray(v)
            b[off] ^= 1 << bit
            m.case(want + k.hex(), "%s record %s: bit %d of byte %d" % (name, show(k), bit, off), change(k, v, bytes(b)))
        elif skip != 0:
            m.case(want + k.hex(), "%s record %s: a byte given to its empty value" % (name, show(k)), put(k, b"\x00"))
        if skip != 1:
            m.case(want + k3.hex(), "%s record %s deleted" % (name, show(k3)), drop(k3))
        if skip != 2:
            m.case(want + nk.hex(), "%s: a record added under %s" % (name, show(nk)), put(nk, v2))
    if part == 0:
        b = bytearray(tag)
        b[5] ^= 0x10
        edit = lambda env, txn: txn.put(b"tag_pk", bytes(b), db=env.open_db(b"meta", txn=txn, create=False)) and None
        # The key scanners check labels with: log verify compares it with the genesis entry's.
        m.case(0, "meta's tag_pk (the label key scanners trust) changed: log verify", edit)
        m.case("proj:meta:" + b"tag_pk".hex(), "meta's tag_pk changed: reindex --check", edit)
        for k, v in ((b"origin", b"muster.gen/team-5"), (b"log_pk", bytes(b))):
            m.case(0, "meta's %s changed: log verify" % k.decode(),
                   lambda env, txn, k=k, v=v: txn.put(k, v, db=env.open_db(b"meta", txn=txn, create=False)) and None)
        for name in ("keys", "asset"):  # opening the store makes it again, empty
            m.case("proj:%s:%s" % (name, first[name].hex()), "the %s database dropped" % name,
                   lambda env, txn, name=name: txn.drop(env.open_db(name.encode(), txn=txn, create=False), delete=True))
        m.case("refused", "meta's format made newer than this muster's",
               lambda env, txn: txn.put(b"format", b"\x03", db=env.open_db(b"meta", txn=txn, create=False)) and None)
        m.case("refused", "meta's format made two bytes long",
               lambda env, txn: txn.put(b"format", b"\x02\x00", db=env.open_db(b"meta", txn=txn, create=False)) and None)
        m.case("ok", "untouched copy", lambda env, txn: None)


def groups(store, seed):
    lg = Log(store)
    per_types, per_proj = 12, 9
    ntypes = len(set(lg.types))
    out = ["types:%d:%d" % (seed, p) for p in range((ntypes + per_types - 1) // per_types)]
    out += ["merkle:%d" % seed, "ckpt:%d" % seed, "structure:%d" % seed, "keys:%d" % seed]
    env = T.env_open(store)
    nproj = sum(1 for n in proj_dbs() if n != "keys" and T.records(env, n))
    env.close()
    out += ["proj:%d:%d" % (seed, p) for p in range((nproj + per_proj - 1) // per_proj)]
    return out


def main(argv):
    if len(argv) == 4 and argv[1] == "groups":
        for g in groups(argv[2], int(argv[3])):
            print(g)
    elif len(argv) == 5 and argv[1] == "cases":
        store, out, g = argv[2:]
        cat, seed, *rest = g.split(":")
        seed = int(seed)
        m = T.Maker(store, out)
        if cat == "types":
            group_types(m, Log(store), seed, int(rest[0]), 12)
        elif cat == "merkle":
            group_merkle(m, Log(store), seed)
        elif cat == "ckpt":
            group_ckpt(m, Log(store), seed)
        elif cat == "structure":
            group_structure(m, Log(store), seed)
        elif cat == "keys":
            group_keys(m, store, seed)
        elif cat == "proj":
            group_proj(m, store, seed, int(rest[0]), 9)
        else:
            sys.exit("tamper_gen.py: unknown group %r" % g)
    elif len(argv) == 6 and argv[1] == "setkey":
        store, kid, roles, revoked = argv[2], bytes.fromhex(argv[3]), int(argv[4]), int(argv[5])
        env = T.env_open(store, write=True)
        db = env.open_db(b"keys", create=False)
        with env.begin(write=True) as txn:
            r = keyrec(bytes(txn.get(kid, db=db)))
            txn.put(kid, keyrec_encode(dict(r, roles=roles, revoked=revoked)), db=db)
        env.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
