#!/usr/bin/python3
"""tamper.py - make tampered copies of a muster store, as an outside attacker would.

The attacker has the store directory and python3-lmdb, nothing else: every
edit here is a raw LMDB write (a flipped bit, a deleted or swapped record, a
forged one) made on a fresh copy of the store, never on the original.  The
shell test (tamper.sh) runs 'muster log verify' on each copy and checks that
it fails at the right entry.

usage:
  tamper.py groups STORE             the case groups, one a line
  tamper.py cases STORE OUT GROUP    one tampered copy of STORE per case of GROUP,
                                     made under OUT/; prints one manifest line
                                     per case: "DIR WANT DESCRIPTION", where WANT
                                     is the entry index 'log verify' must name
                                     first, 'ok' (must verify), 'any' (must
                                     fail, index not pinned), 'proj:DB:KEYHEX'
                                     ('reindex --check' must name that database
                                     and key) or 'rollback' (verifies alone;
                                     --against the latest checkpoint fails)
  tamper.py layout STORE             the fields of every entry (for debugging)
  tamper.py dump STORE DB...         every record of the named databases as
                                     "DB KEYHEX VALHEX" lines, in key order
  tamper.py delete STORE DB KEYHEX   deletes one record in place

Run it with the system python3 (it needs Debian's python3-lmdb).
"""

import base64
import hashlib
import os
import random
import shutil
import struct
import sys

import lmdb

MAP_SIZE = 1 << 30  # large enough for any test store; LMDB keeps the file small
HASH = 32
PK = 32
SIG = 64


# ---- the store -----------------------------------------------------------------

def env_open(path, write=False):
    size = os.path.getsize(os.path.join(path, "data.mdb"))
    return lmdb.open(path, max_dbs=32, subdir=True, readonly=not write,
                     map_size=max(MAP_SIZE, 2 * size), lock=True)


def be64(n):
    return struct.pack(">Q", n)


def unbe64(b):
    return struct.unpack(">Q", b)[0]


def records(env, name):
    db = env.open_db(name.encode(), create=False)
    with env.begin() as txn:
        return [(bytes(k), bytes(v)) for k, v in txn.cursor(db=db)]


# The log database holds every primary record under be64(index) || kind
# (core/internal.h): the entry, the Merkle hashes its append completed, and
# the checkpoint signed for size index+1.
ENTRY, HASHES, CKPT = 0, 1, 2


def lkey(i, kind):
    return be64(i) + bytes([kind])


def split_log(env):
    """The log database: the entries (a list), their hashes and checkpoints (dicts, index -> value)."""
    out = ({}, {}, {})
    for k, v in records(env, "log"):
        assert len(k) == 9 and k[8] <= CKPT, "unexpected log key %s" % k.hex()
        out[k[8]][unbe64(k[:8])] = v
    entries = out[ENTRY]
    assert sorted(entries) == list(range(len(entries))), "entries are not numbered 0.."
    return [entries[i] for i in range(len(entries))], out[HASHES], out[CKPT]


def entry_list(env):
    return split_log(env)[ENTRY]


# ---- the entry encoding (docs/FORMATS.md; core/event.c) ------------------------

def uvarint(b, off):
    v, shift, start = 0, 0, off
    while True:
        c = b[off]
        off += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, start, off


def put_uvarint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        out.append(c | (0x80 if v else 0))
        if not v:
            return bytes(out)


def fields(entry):
    """Name -> (start, end) of each field of an entry."""
    f = {}
    off = 0
    for name in ("version", "type", "index", "time"):
        _, s, off = uvarint(entry, off)
        f[name] = (s, off)
    f["prev_root"] = (off, off + HASH)
    off += HASH
    f["signer"] = (off, off + PK)
    off += PK
    n, s, off = uvarint(entry, off)
    f["body_len"] = (s, off)
    f["body"] = (off, off + n)
    off += n
    f["sig"] = (off, off + SIG)
    assert off + SIG == len(entry), "entry does not parse"
    return f


def decode(entry):
    f = fields(entry)
    d = {k: uvarint(entry, f[k][0])[0] for k in ("version", "type", "index", "time")}
    d["prev_root"] = entry[f["prev_root"][0]:f["prev_root"][1]]
    d["signer"] = entry[f["signer"][0]:f["signer"][1]]
    d["body"] = entry[f["body"][0]:f["body"][1]]
    return d


# ---- RFC 6962 hashes, numbered as Go's golang.org/x/mod/sumdb/tlog stores them --

def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def stored_hash_index(level, n):
    """tlog.StoredHashIndex."""
    for _ in range(level):
        n = 2 * n + 1
    i = 0
    while n > 0:
        i += n
        n >>= 1
    return i + level


def stored_hash_count(n):
    """tlog.StoredHashCount."""
    if n == 0:
        return 0
    count = stored_hash_index(0, n - 1) + 1
    i = n - 1
    while i & 1:
        count += 1
        i >>= 1
    return count


def stored_owner(nhashes):
    """Stored index -> (level, position, entry whose append stored it)."""
    out = {}
    i = 0
    while len(out) < nhashes:
        level = 0
        while True:
            pos = i >> level
            s = stored_hash_index(level, pos)
            # the n-th hash of level L covers leaves [n*2^L, (n+1)*2^L): the last one stores it
            assert (pos + 1) * (1 << level) - 1 == i
            out[s] = (level, pos, i)
            if not (i >> level) & 1:
                break
            level += 1
        i += 1
    return out


def tree_root(leaves):
    """RFC 6962 MTH over a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k << 1 < len(leaves):
        k <<= 1
    return node_hash(tree_root(leaves[:k]), tree_root(leaves[k:]))


def hashes_for_append(leaves, n):
    """The hashes stored when leaf n is appended (leaves[0..n] known), in stored order."""
    out = [leaves[n]]
    h = leaves[n]
    level = 0
    while (n >> level) & 1:
        start = ((n >> level) - 1) << level
        left = tree_root(leaves[start:start + (1 << level)])
        h = node_hash(left, h)
        out.append(h)
        level += 1
    return out


# ---- making the copies ----------------------------------------------------------

class Maker:
    def __init__(self, store, out):
        self.store = store
        self.out = out
        self.n = 0
        os.makedirs(out, exist_ok=True)

    def case(self, want, desc, edit):
        """Copies the store, applies edit(env) in one write transaction, prints the manifest line."""
        self.n += 1
        d = os.path.join(self.out, "c%04d" % self.n)
        shutil.copytree(self.store, d)
        env = env_open(d, write=True)
        try:
            with env.begin(write=True) as txn:
                edit(env, txn)
        finally:
            env.close()
        print("%s %s %s" % (d, want, desc))


def flip(dbname, key, off, bit):
    def edit(env, txn):
        db = env.open_db(dbname.encode(), txn=txn, create=False)
        v = bytearray(txn.get(key, db=db))
        v[off] ^= 1 << bit
        assert txn.put(key, bytes(v), db=db)
    return edit


def entry_offsets(entry, i, full):
    """(offset, bit, what) triples spread over the fields of one entry; `full`
    flips every bit of the three leading varints."""
    f = fields(entry)
    picks = []

    def add(off, bits, what):
        for b in bits:
            picks.append((off, b, what))

    lead = range(8) if full else (i % 7, 7)
    add(0, lead, "version byte")
    add(f["type"][0], lead, "type varint")
    add(f["index"][0], lead, "index varint first byte")
    if f["index"][1] - 1 != f["index"][0]:
        add(f["index"][1] - 1, (0, 7), "index varint last byte")
    add(f["time"][0], (i % 7,), "time varint first byte")
    add(f["time"][1] - 1, (7 if i % 2 else 0,), "time varint last byte")
    add(f["prev_root"][0], (i % 8,), "prev_root first byte")
    add(f["prev_root"][0] + 17, ((i + 3) % 8,), "prev_root middle byte")
    add(f["prev_root"][1] - 1, ((i + 5) % 8,), "prev_root last byte")
    add(f["signer"][0], (i % 8,), "signer first byte")
    add(f["signer"][1] - 1, ((i + 1) % 8,), "signer last byte")
    add(f["body_len"][0], (7 if i % 2 else 0,), "body length varint")
    add(f["body"][0], (i % 8,), "body first byte")
    add((f["body"][0] + f["body"][1]) // 2, ((i + 2) % 8,), "body middle byte")
    add(f["body"][1] - 1, ((i + 4) % 8,), "body last byte")
    add(f["sig"][0], (i % 8,), "signature first byte")
    add(f["sig"][0] + 31, ((i + 6) % 8,), "signature byte 31 (end of R)")
    add(f["sig"][1] - 1, (0, 7), "signature last byte")
    rnd = random.Random(0x6D757374 + i)  # deterministic spread
    for _ in range(2):
        add(rnd.randrange(len(entry)), (rnd.randrange(8),), "random byte")
    return picks


def group_entry(m, env, i):
    entries = entry_list(env)
    key = lkey(i, ENTRY)
    entry = entries[i]
    full = i in (0, 1, 12, len(entries) - 1)  # site.init, key.enrol, the long journal, the last
    for off, bit, what in entry_offsets(entry, i, full):
        m.case(i, "entry %d: bit %d of byte %d/%d (%s)" % (i, bit, off, len(entry), what),
               flip("log", key, off, bit))


def logdb(env, txn):
    return env.open_db(b"log", txn=txn, create=False)


def group_merkle(m, env):
    entries, hashes, _ = split_log(env)
    size = len(entries)
    last = size - 1
    assert sorted(hashes) == list(range(size)), "one hashes record per entry"
    nstored = sum(len(v) for v in hashes.values())
    assert nstored == HASH * stored_hash_count(size), "stored hash bytes %d, tlog says %d hashes" % (
        nstored, stored_hash_count(size))
    owner = stored_owner(stored_hash_count(size))
    # Sanity: each record holds exactly what tlog predicts from the entries, and the
    # level-L hash at position n sits in the record of entry (n+1)*2^L-1, at byte 32*L.
    leaves = [leaf_hash(v) for v in entries]
    for i in range(size):
        hs = hashes_for_append(leaves, i)
        assert hashes[i] == b"".join(hs), "hashes record %d is not what tlog predicts" % i
        for level, h in enumerate(hs):
            pos = i >> level
            assert (pos + 1) * (1 << level) - 1 == i
            assert h == tree_root(leaves[pos << level:(pos + 1) << level])
            assert owner[stored_hash_count(i) + level] == (level, pos, i)
    for i in range(size):
        for level in range(len(hashes[i]) // HASH):
            s = stored_hash_count(i) + level
            off, bit = HASH * level + (s * 7) % HASH, s % 8
            m.case(i, "hashes of entry %d: stored hash %d (level %d, position %d): bit %d of byte %d" % (
                i, s, level, i >> level, bit, off), flip("log", lkey(i, HASHES), off, bit))

    def drop(i):
        def edit(env, txn):
            assert txn.delete(lkey(i, HASHES), db=logdb(env, txn))
        return edit

    for i in (0, size // 2, last):
        m.case(i, "hashes record of entry %d deleted" % i, drop(i))

    def cut(i, n):
        def edit(env, txn):
            txn.put(lkey(i, HASHES), hashes[i][:-n], db=logdb(env, txn))
        return edit

    i5 = owner[5][2]  # entry 3: leaf, level 1 and level 2 hashes
    for n in (1, 31, 32):
        m.case(i5, "hashes record of entry %d (%d bytes) cut by %d bytes" % (i5, len(hashes[i5]), n), cut(i5, n))
    m.case(7, "hashes record of entry 7 with an extra hash appended",
           lambda env, txn: txn.put(lkey(7, HASHES), hashes[7] + hashlib.sha256(b"extra").digest(),
                                    db=logdb(env, txn)))
    m.case(4, "hashes records of entries 4 and 5 swapped",
           lambda env, txn: (txn.put(lkey(4, HASHES), hashes[5], db=logdb(env, txn)),
                             txn.put(lkey(5, HASHES), hashes[4], db=logdb(env, txn))))
    # A hashes record for an entry that does not exist: entry `size` is then missing.
    m.case(size, "an extra hashes record for entry %d, past the end of the log" % size,
           lambda env, txn: txn.put(lkey(size, HASHES), hashlib.sha256(b"extra").digest(), db=logdb(env, txn)))


def group_ckpt(m, env):
    entries, _, ckpt = split_log(env)
    size = len(entries)
    last = size - 1
    assert sorted(ckpt) == list(range(size)), "one checkpoint per write"
    # The latest checkpoint: every third byte of the note and each line's ends.
    note = ckpt[last]
    ends = {i for i, c in enumerate(note) if c == 0x0A}
    ends |= {i + 1 for i in ends if i + 1 < len(note)}
    for off in sorted(set(range(0, len(note), 3)) | ends):
        bit = off % 8
        shown = "newline" if note[off] == 0x0A else "0x%02x" % note[off] if note[off] > 0x7E else repr(chr(note[off]))
        m.case(last, "checkpoint %d: bit %d of note byte %d/%d (%s)" % (size, bit, off, len(note), shown),
               flip("log", lkey(last, CKPT), off, bit))
    # Every other checkpoint: two of its lines, in turn.
    for i in range(last):
        note, n = ckpt[i], i + 1
        l1 = note.index(b"\n")
        l2 = note.index(b"\n", l1 + 1)
        split = note.index(b"\n\n")
        picks = ((l1 + 1, "size line"), (l2 + 5, "root line"), (split + 6, "signer name"),
                 (len(note) - 3, "signature"))
        for off, what in (picks[n % 4], picks[(n + 1) % 4]):
            m.case(i, "checkpoint %d: %s (note byte %d)" % (n, what, off), flip("log", lkey(i, CKPT), off, 1))

    def move(src, dst):
        def edit(env, txn):
            db = logdb(env, txn)
            assert txn.delete(lkey(src, CKPT), db=db)
            txn.put(lkey(dst, CKPT), ckpt[src], db=db)
        return edit

    # Batched writes skip sizes: a middle checkpoint may be absent, the latest may not.
    m.case("ok", "checkpoint for size 5 deleted",
           lambda env, txn: txn.delete(lkey(4, CKPT), db=logdb(env, txn)) or None)
    m.case(last, "the latest checkpoint (size %d) deleted" % size,
           lambda env, txn: txn.delete(lkey(last, CKPT), db=logdb(env, txn)) or None)
    # Moved past the end of the log, entry `size` is missing.
    m.case(size, "checkpoint for size 5 moved to index 100, past the end of the log", move(4, 100))
    m.case(9, "checkpoint for size 5 moved over the one for size 10", move(4, 9))
    m.case(last, "checkpoint for size %d moved to index %d" % (size - 1, last), move(last - 1, last))
    m.case(6, "checkpoint for size 7 replaced by a copy of the one for size 6",
           lambda env, txn: txn.put(lkey(6, CKPT), ckpt[5], db=logdb(env, txn)))
    m.case(last, "checkpoint for size %d replaced by a copy of the one for size 1" % size,
           lambda env, txn: txn.put(lkey(last, CKPT), ckpt[0], db=logdb(env, txn)))


def group_structure(m, env):
    entries, hashes, ckpt = split_log(env)
    size = len(entries)
    last = size - 1

    m.case("ok", "untouched copy", lambda env, txn: None)
    m.case("ok", "entry 3 rewritten with its own bytes",
           lambda env, txn: txn.put(lkey(3, ENTRY), entries[3], db=logdb(env, txn)))
    for i in (0, 1, size // 2, last - 1):
        m.case(i, "entry %d deleted" % i, lambda env, txn, i=i: txn.delete(lkey(i, ENTRY), db=logdb(env, txn)))

    def swap(a, b):
        def edit(env, txn):
            db = logdb(env, txn)
            txn.put(lkey(a, ENTRY), entries[b], db=db)
            txn.put(lkey(b, ENTRY), entries[a], db=db)
        return edit

    for a, b in ((3, 9), (0, 1), (last - 1, last), (5, 6)):
        m.case(a, "entries %d and %d swapped" % (a, b), swap(a, b))

    def swap_all(a, b):  # entry, hashes and checkpoint: every record of a and b
        def edit(env, txn):
            db = logdb(env, txn)
            for kind, d in ((ENTRY, entries), (HASHES, hashes), (CKPT, ckpt)):
                txn.put(lkey(a, kind), d[b], db=db)
                txn.put(lkey(b, kind), d[a], db=db)
        return edit
    m.case(5, "entries 5 and 6 swapped with their hashes and checkpoints", swap_all(5, 6))

    def put(i, v):
        return lambda env, txn: txn.put(lkey(i, ENTRY), v, db=logdb(env, txn))
    m.case(last, "last entry truncated by one byte", put(last, entries[last][:-1]))
    m.case(last, "last entry truncated to half", put(last, entries[last][:len(entries[last]) // 2]))
    m.case(last, "last entry emptied", put(last, b""))
    m.case(4, "entry 4 with a byte appended", put(4, entries[4] + b"\x00"))

    def drop(i, kinds):
        def edit(env, txn):
            for kind in kinds:
                assert txn.delete(lkey(i, kind), db=logdb(env, txn))
        return edit
    # Dropping the last entry leaves its Merkle hashes and checkpoint out of place.
    m.case(last, "last entry deleted, its hashes and checkpoint kept", drop(last, (ENTRY,)))
    m.case(last, "last entry and its hashes deleted, its checkpoint kept", drop(last, (ENTRY, HASHES)))
    m.case(last, "last entry and its checkpoint deleted, its hashes kept", drop(last, (ENTRY, CKPT)))
    # A whole write rolled back leaves a shorter log its own latest checkpoint covers:
    # the store alone cannot tell; the latest checkpoint, kept outside, can.
    m.case("rollback", "last entry, its hashes and its checkpoint deleted (rollback)", drop(last, (ENTRY, HASHES, CKPT)))
    m.case(last - 2, "the last two entries rolled back, the latest checkpoint filed under entry %d" % (last - 2),
           lambda env, txn: drop(last, (ENTRY, HASHES, CKPT))(env, txn) or
           drop(last - 1, (ENTRY, HASHES, CKPT))(env, txn) or
           txn.put(lkey(last - 2, CKPT), ckpt[last], db=logdb(env, txn)))

    def odd_key(k):
        return lambda env, txn: txn.put(k, entries[3], db=logdb(env, txn))
    m.case("any", "entry 3's bytes also stored under a 4-byte key", odd_key(b"\x00\x00\x00\x03"))
    m.case(3, "entry 3's bytes also stored under its bare 8-byte index", odd_key(be64(3)))
    m.case(last, "a record of unknown kind 3 after the last entry", odd_key(lkey(last, 3)))
    m.case(last, "a record under a 10-byte key after the last entry", odd_key(lkey(last, CKPT) + b"\x00"))
    # At the top of the index space: one past it would wrap to 0 (verify once walked nothing).
    m.case(size, "entry 3's bytes also stored at index 2^64-1", odd_key(lkey(2 ** 64 - 1, ENTRY)))
    m.case(size, "a checkpoint record at index 2^64-1", odd_key(lkey(2 ** 64 - 1, CKPT)))
    # A stray record is blamed on the entry whose index it carries.
    m.case(7, "a record of unknown kind 3 for entry 7", odd_key(lkey(7, 3)))
    m.case(7, "a record of entry 7 under a 10-byte key", odd_key(lkey(7, CKPT) + b"\x00"))

    leaves = [leaf_hash(v) for v in entries]

    def append(i, entry, with_hashes, note=None):
        """Writes entry at index i, its hashes as if appended after the real log, a checkpoint note."""
        def edit(env, txn):
            db = logdb(env, txn)
            txn.put(lkey(i, ENTRY), entry, db=db)
            if with_hashes:
                hs = hashes_for_append(leaves + [leaf_hash(entry)], size)
                txn.put(lkey(i, HASHES), b"".join(hs), db=db)
            if note is not None:
                txn.put(lkey(i, CKPT), note, db=db)
        return edit

    # Replayed entries.
    m.case(size, "entry %d replayed as entry %d" % (last, size), append(size, entries[last], False))
    m.case(size, "entry %d replayed as entry %d, with hashes and its checkpoint" % (last, size),
           append(size, entries[last], True, ckpt[last]))
    m.case(size, "entry 2 replayed as entry %d, with hashes" % size, append(size, entries[2], True))
    m.case(size, "entry %d replayed as entry %d, leaving entries %d.. missing" % (last, size + 5, size),
           append(size + 5, entries[last], False))

    admin = decode(entries[0])["signer"]  # the first admin's public key (not its secret)

    def forged_entry(signer_pk, sign):
        """A well-formed entry `size`: right index, right previous root, a journal body."""
        text = "伪造的值班记录".encode()
        body = put_uvarint(len(text)) + text
        unsigned = (put_uvarint(1) + put_uvarint(5) + put_uvarint(size) +
                    put_uvarint(decode(entries[last])["time"] + 1) +
                    tree_root(leaves) + signer_pk + put_uvarint(len(body)) + body)
        return unsigned + sign(b"muster/event/v1\x00" + unsigned)

    def forged_note(entry):
        """The latest checkpoint rewritten for size+1 and the forged root; its signature no longer matches."""
        note = ckpt[last]
        text, sig = note[:note.index(b"\n\n") + 1], note[note.index(b"\n\n") + 1:]
        lines = text.split(b"\n")
        lines[1] = str(size + 1).encode()
        lines[2] = base64.b64encode(tree_root(leaves + [leaf_hash(entry)]))
        return b"\n".join(lines) + sig

    e = forged_entry(admin, lambda msg: os.urandom(SIG))
    m.case(size, "forged journal entry %d claiming the first admin as signer (random signature), with hashes" % size,
           append(size, e, True))
    m.case(size, "forged journal entry %d claiming the first admin as signer (random signature), "
           "with hashes and a re-signed-looking checkpoint" % size, append(size, e, True, forged_note(e)))
    e = forged_entry(admin, lambda msg: bytes(SIG))
    m.case(size, "forged entry %d with a zero signature, no Merkle hashes" % size, append(size, e, False))
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # python3-cryptography is optional: the cases above still forge
        return
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    e = forged_entry(pk, sk.sign)
    m.case(size, "forged entry %d validly signed by an unenrolled key, with Merkle hashes" % size,
           append(size, e, True))
    m.case(size, "forged entry %d validly signed by an unenrolled key, with Merkle hashes and a checkpoint" % size,
           append(size, e, True, forged_note(e)))


def group_proj(m, env):
    """The projections of the small history (meta, keys, journal): 'muster
    reindex --check' must name the database and key; meta's tag key, log verify."""
    keys = records(env, "keys")
    journal = records(env, "journal")
    meta = dict(records(env, "meta"))

    def put(name, k, v):
        return lambda env, txn: txn.put(k, v, db=env.open_db(name.encode(), txn=txn, create=False)) and None

    def drop(name, k):
        return lambda env, txn: txn.delete(k, db=env.open_db(name.encode(), txn=txn, create=False)) and None

    def flipped(v, off, bit):
        b = bytearray(v)
        b[off] ^= 1 << bit
        return bytes(b)
    for n, (k, v) in enumerate(keys):
        # the record: bytes pk[32] (33 bytes), uint roles, ...: one role bit
        m.case("proj:keys:" + k.hex(), "keys record %s: role bit %d flipped" % (k.hex(), n % 7),
               put("keys", k, flipped(v, 33, n % 7)))
    (a, va), (b, vb) = keys[0], keys[1]
    m.case("proj:keys:" + a.hex(), "keys records %s and %s: public keys swapped" % (a.hex(), b.hex()),
           lambda env, txn: put("keys", a, vb[:33] + va[33:])(env, txn) or put("keys", b, va[:33] + vb[33:])(env, txn))
    m.case("proj:keys:" + keys[2][0].hex(), "keys record %s deleted" % keys[2][0].hex(), drop("keys", keys[2][0]))
    m.case("proj:keys:" + "00" * 8, "a keys record added (a copy of the first admin's)", put("keys", b"\0" * 8, keys[0][1]))
    k, v = journal[len(journal) // 2]
    m.case("proj:journal:" + k.hex(), "journal record %d: its text's last byte" % unbe64(k),
           put("journal", k, flipped(v, len(v) - 1, 0)))
    m.case("proj:journal:" + k.hex(), "journal record %d deleted" % unbe64(k), drop("journal", k))
    m.case("proj:journal:" + be64(999).hex(), "a journal record 999 added", put("journal", be64(999), v))
    m.case("proj:meta:" + b"extra".hex(), "a meta record added", put("meta", b"extra", b"x"))
    m.case(0, "meta's tag_pk (the key scanners check labels with) changed",
           put("meta", b"tag_pk", flipped(meta[b"tag_pk"], 0, 0)))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, store = argv[1], argv[2]
    if cmd == "groups":
        env = env_open(store)
        n = len(entry_list(env))
        env.close()
        for i in range(n):
            print("entry:%d" % i)
        print("merkle\nckpt\nstructure\nproj")
    elif cmd == "cases" and len(argv) == 5:
        env = env_open(store)
        m = Maker(store, argv[3])
        g = argv[4]
        if g.startswith("entry:"):
            group_entry(m, env, int(g[6:]))
        elif g == "merkle":
            group_merkle(m, env)
        elif g == "ckpt":
            group_ckpt(m, env)
        elif g == "structure":
            group_structure(m, env)
        elif g == "proj":
            group_proj(m, env)
        else:
            sys.exit("tamper.py: unknown group %r" % g)
        env.close()
    elif cmd == "layout":
        env = env_open(store)
        for i, v in enumerate(entry_list(env)):
            d = decode(v)
            print(i, len(v), {n: s for n, s in fields(v).items()}, d["type"], d["index"])
        env.close()
    elif cmd == "dump" and len(argv) >= 4:
        env = env_open(store)
        for name in argv[3:]:
            for k, v in records(env, name):
                print(name, k.hex(), v.hex())
        env.close()
    elif cmd == "delete" and len(argv) == 5:
        env = env_open(store, write=True)
        db = env.open_db(argv[3].encode(), create=False)
        with env.begin(write=True) as txn:
            if not txn.delete(bytes.fromhex(argv[4]), db=db):
                sys.exit("tamper.py: no such record")
        env.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
