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
                                     first, 'ok' (must verify), or 'any' (must
                                     fail, index not pinned)
  tamper.py layout STORE             the fields of every entry (for debugging)
  tamper.py dump STORE DB...         every record of the named databases as
                                     "DB KEYHEX VALHEX" lines, in key order
  tamper.py delete STORE DB KEYHEX   deletes one record in place

Run it with the system python3 (it needs Debian's python3-lmdb).
"""

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
    log = dict(records(env, "log"))
    key = be64(i)
    entry = log[key]
    full = i in (0, 1, 12, len(log) - 1)  # site.init, key.enrol, the long journal, the last
    for off, bit, what in entry_offsets(entry, i, full):
        m.case(i, "entry %d: bit %d of byte %d/%d (%s)" % (i, bit, off, len(entry), what),
               flip("log", key, off, bit))


def group_merkle(m, env):
    log = records(env, "log")
    merkle = records(env, "merkle")
    size = len(log)
    assert len(merkle) == stored_hash_count(size), "stored hash count %d, tlog says %d" % (
        len(merkle), stored_hash_count(size))
    owner = stored_owner(len(merkle))
    # Sanity: the stored hashes are exactly what tlog's numbering predicts from the entries.
    leaves = [leaf_hash(v) for _, v in log]
    for i in range(size):
        for k, h in enumerate(hashes_for_append(leaves, i)):
            s = stored_hash_count(i) + k
            assert merkle[s] == (be64(s), h), "stored hash %d is not what tlog predicts" % s
            assert owner[s][2] == i
    for s, (k, _) in enumerate(merkle):
        assert unbe64(k) == s
        level, pos, i = owner[s]
        off, bit = (s * 7) % HASH, s % 8
        m.case(i, "stored hash %d (level %d, position %d): bit %d of byte %d" % (s, level, pos, bit, off),
               flip("merkle", k, off, bit))
    last = len(merkle) - 1

    def drop(s):
        def edit(env, txn):
            db = env.open_db(b"merkle", txn=txn, create=False)
            assert txn.delete(be64(s), db=db)
        return edit

    for s in (0, last // 2, last):
        m.case(owner[s][2], "stored hash %d deleted" % s, drop(s))

    def short(env, txn):
        db = env.open_db(b"merkle", txn=txn, create=False)
        txn.put(be64(5), merkle[5][1][:31], db=db)
    m.case(owner[5][2], "stored hash 5 cut to 31 bytes", short)

    def extra(env, txn):
        db = env.open_db(b"merkle", txn=txn, create=False)
        txn.put(be64(len(merkle)), hashlib.sha256(b"extra").digest(), db=db)
    m.case(size - 1, "an extra stored hash past the end of the log", extra)


def group_ckpt(m, env):
    ckpt = records(env, "ckpt")
    size = len(records(env, "log"))
    assert len(ckpt) == size, "one checkpoint per write"
    # The latest checkpoint: every third byte of the note and each line's ends.
    k, note = ckpt[-1]
    n = unbe64(k)
    ends = {i for i, c in enumerate(note) if c == 0x0A}
    ends |= {i + 1 for i in ends if i + 1 < len(note)}
    for off in sorted(set(range(0, len(note), 3)) | ends):
        bit = off % 8
        m.case(n - 1, "checkpoint %d: bit %d of note byte %d/%d (%r)" % (n, bit, off, len(note), chr(note[off])),
               flip("ckpt", k, off, bit))
    # Every other checkpoint: two of its lines, in turn.
    for k, note in ckpt[:-1]:
        n = unbe64(k)
        l1 = note.index(b"\n")
        l2 = note.index(b"\n", l1 + 1)
        split = note.index(b"\n\n")
        picks = ((l1 + 1, "size line"), (l2 + 5, "root line"), (split + 6, "signer name"),
                 (len(note) - 3, "signature"))
        for off, what in (picks[n % 4], picks[(n + 1) % 4]):
            m.case(n - 1, "checkpoint %d: %s (note byte %d)" % (n, what, off), flip("ckpt", k, off, 1))

    def move(src, dst):
        def edit(env, txn):
            db = env.open_db(b"ckpt", txn=txn, create=False)
            v = txn.get(be64(src), db=db)
            assert txn.delete(be64(src), db=db)
            txn.put(be64(dst), v, db=db)
        return edit

    # A checkpoint past the end of the log is blamed on the last entry.
    m.case(size - 1, "checkpoint for size 5 moved to key 100, past the end of the log", move(5, 100))
    m.case(6, "checkpoint for size 7 filed under size 7 but taken from size 6",
           lambda env, txn: txn.put(be64(7), ckpt[5][1], db=env.open_db(b"ckpt", txn=txn, create=False)))


def group_structure(m, env):
    log = records(env, "log")
    merkle = records(env, "merkle")
    size = len(log)
    last = size - 1

    def logdb(env, txn):
        return env.open_db(b"log", txn=txn, create=False)

    m.case("ok", "untouched copy", lambda env, txn: None)
    m.case("ok", "entry 3 rewritten with its own bytes", lambda env, txn: txn.put(be64(3), log[3][1], db=logdb(env, txn)))
    for i in (0, 1, size // 2, last - 1):
        m.case(i, "entry %d deleted" % i, lambda env, txn, i=i: txn.delete(be64(i), db=logdb(env, txn)))

    def swap(a, b):
        def edit(env, txn):
            db = logdb(env, txn)
            txn.put(be64(a), log[b][1], db=db)
            txn.put(be64(b), log[a][1], db=db)
        return edit

    for a, b in ((3, 9), (0, 1), (last - 1, last), (5, 6)):
        m.case(a, "entries %d and %d swapped" % (a, b), swap(a, b))

    m.case(last, "last entry truncated by one byte",
           lambda env, txn: txn.put(be64(last), log[last][1][:-1], db=logdb(env, txn)))
    m.case(last, "last entry truncated to half",
           lambda env, txn: txn.put(be64(last), log[last][1][:len(log[last][1]) // 2], db=logdb(env, txn)))
    m.case(last, "last entry emptied", lambda env, txn: txn.put(be64(last), b"", db=logdb(env, txn)))
    m.case(4, "entry 4 with a byte appended", lambda env, txn: txn.put(be64(4), log[4][1] + b"\x00", db=logdb(env, txn)))
    # Dropping the last entry leaves its Merkle hashes and checkpoint behind.
    m.case(last - 1, "last entry deleted (log truncated)", lambda env, txn: txn.delete(be64(last), db=logdb(env, txn)))

    def rollback(env, txn):
        # Drop the last entry and its hashes, keep the checkpoint that signed it.
        txn.delete(be64(last), db=logdb(env, txn))
        mdb = env.open_db(b"merkle", txn=txn, create=False)
        for s in range(stored_hash_count(last), len(merkle)):
            assert txn.delete(be64(s), db=mdb)
    m.case(last - 1, "last entry and its hashes deleted, its checkpoint kept", rollback)

    def entry_key(k):
        return lambda env, txn: txn.put(k, log[3][1], db=logdb(env, txn))
    m.case("any", "entry 3's bytes also stored under a 4-byte key", entry_key(b"\x00\x00\x00\x03"))

    # Forged extra entries.
    m.case(size, "entry %d replayed as entry %d" % (last, size),
           lambda env, txn: txn.put(be64(size), log[last][1], db=logdb(env, txn)))
    m.case(size, "entry 2 replayed as entry %d" % size,
           lambda env, txn: txn.put(be64(size), log[2][1], db=logdb(env, txn)))
    m.case(size, "entry %d replayed as entry %d, leaving entries %d.. missing" % (last, size + 5, size),
           lambda env, txn: txn.put(be64(size + 5), log[last][1], db=logdb(env, txn)))

    leaves = [leaf_hash(v) for _, v in log]
    admin = decode(log[0][1])["signer"]  # the first admin's public key (not its secret)

    def forged(signer_pk, sign, with_hashes):
        """A well-formed entry `size`: right index, right previous root, a journal body."""
        text = "伪造的值班记录".encode()
        body = put_uvarint(len(text)) + text
        unsigned = (put_uvarint(1) + put_uvarint(5) + put_uvarint(size) + put_uvarint(decode(log[last][1])["time"] + 1)
                    + tree_root(leaves) + signer_pk + put_uvarint(len(body)) + body)
        entry = unsigned + sign(b"muster/event/v1\x00" + unsigned)

        def edit(env, txn):
            txn.put(be64(size), entry, db=logdb(env, txn))
            if with_hashes:
                mdb = env.open_db(b"merkle", txn=txn, create=False)
                hs = hashes_for_append(leaves + [leaf_hash(entry)], size)
                for k, h in enumerate(hs):
                    txn.put(be64(stored_hash_count(size) + k), h, db=mdb)
        return edit

    m.case(size, "forged journal entry %d claiming the first admin as signer (random signature)" % size,
           forged(admin, lambda msg: os.urandom(SIG), True))
    m.case(size, "forged entry %d with a zero signature, no Merkle hashes" % size,
           forged(admin, lambda msg: bytes(SIG), False))
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # python3-cryptography is optional: the cases above still forge
        return
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    m.case(size, "forged entry %d validly signed by an unenrolled key, with Merkle hashes" % size,
           forged(pk, sk.sign, True))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, store = argv[1], argv[2]
    if cmd == "groups":
        env = env_open(store)
        n = len(records(env, "log"))
        env.close()
        for i in range(n):
            print("entry:%d" % i)
        print("merkle\nckpt\nstructure")
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
        else:
            sys.exit("tamper.py: unknown group %r" % g)
        env.close()
    elif cmd == "layout":
        env = env_open(store)
        for k, v in records(env, "log"):
            d = decode(v)
            print(unbe64(k), len(v), {n: s for n, s in fields(v).items()}, d["type"], d["index"])
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
