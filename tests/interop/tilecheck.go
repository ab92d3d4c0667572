// tilecheck DIR VKEY - reads a C2SP tlog-tiles directory written by
// `muster log export --tiles DIR` with nothing but Go's own
// golang.org/x/mod/sumdb/note and sumdb/tlog: opens the checkpoint with the
// verifier key, loads the hash tiles through tlog.TileHashReader (which
// checks every tile it loads against the checkpoint's root), and checks
// that every entry in the entry bundles hashes (tlog.RecordHash) to the
// leaf hash the verified tiles hold.  Prints "ok SIZE ENTRIES" and exits
// 0, or prints why and exits 1.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

// Go names tiles "tile/8/L/N"; tlog-tiles drops the height: "tile/L/N".
func (d dirTiles) path(t tlog.Tile) string {
	return filepath.Join(d.dir, strings.Replace(t.Path(), "tile/8/", "tile/", 1))
}

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(d.path(t))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// The entries of bundle n, which must hold exactly w.
func bundle(dir string, n int64, w int) ([][]byte, error) {
	t := tlog.Tile{H: 8, L: 0, N: n, W: w}
	p := filepath.Join(dir, strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1))
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("%s: a length cut short", p)
		}
		k := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+k {
			return nil, fmt.Errorf("%s: an entry cut short", p)
		}
		out = append(out, b[2:2+k])
		b = b[2+k:]
	}
	if len(out) != w {
		return nil, fmt.Errorf("%s: %d entries, want %d", p, len(out), w)
	}
	return out, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tilecheck DIR VKEY")
		os.Exit(2)
	}
	dir, vkey := os.Args[1], os.Args[2]
	fail := func(f string, a ...interface{}) {
		fmt.Printf("FAIL "+f+"\n", a...)
		os.Exit(1)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	ck, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	n, err := note.Open(ck, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	// tlog.ParseTree wants go.sum's three lines; the C2SP body is origin, size, root.
	lines := strings.SplitN(n.Text, "\n", 2)
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1]))
	if err != nil {
		fail("checkpoint body: %v", err)
	}
	r := tlog.TileHashReader(tree, dirTiles{dir})
	var idx []int64
	for i := int64(0); i < tree.N; i++ {
		idx = append(idx, tlog.StoredHashIndex(0, i))
	}
	leaves, err := r.ReadHashes(idx)
	if err != nil {
		fail("hash tiles: %v", err)
	}
	// TileHashReader checks the tiles it needs for the root against it, and
	// each further full tile against its parent; but in x/mod 0.7.0 (Debian
	// bookworm) that second loop starts at len(stx), the count of subtrees,
	// not at the count of distinct tiles they fell in, so the first few
	// further tiles go unchecked (a changed leaf in tile/0/001 came back as
	// if verified).  So every full tile is also checked here, top down,
	// against the hash its parent holds, with tlog's own NodeHash.
	for L := 7; L >= 0; L-- {
		for n := int64(0); (n+1)*256 <= tree.N>>(8*uint(L)); n++ {
			t := tlog.Tile{H: 8, L: L, N: n, W: 256}
			data, err := dirTiles{dir}.ReadTiles([]tlog.Tile{t})
			if err != nil || len(data[0]) != 256*tlog.HashSize {
				fail("hash tiles: tile %d/%d: %v", L, n, err)
			}
			var hs []tlog.Hash
			for i := 0; i < 256; i++ {
				var h tlog.Hash
				copy(h[:], data[0][i*tlog.HashSize:])
				hs = append(hs, h)
			}
			for len(hs) > 1 {
				var up []tlog.Hash
				for i := 0; i < len(hs); i += 2 {
					up = append(up, tlog.NodeHash(hs[i], hs[i+1]))
				}
				hs = up
			}
			want, err := r.ReadHashes([]int64{tlog.StoredHashIndex(8*(L+1), n)})
			if err != nil || want[0] != hs[0] {
				fail("hash tiles: tile %d/%d does not hash to its parent's hash (%v)", L, n, err)
			}
		}
	}
	for b := int64(0); b*256 < tree.N; b++ {
		w := tree.N - b*256
		if w > 256 {
			w = 256
		}
		es, err := bundle(dir, b, int(w))
		if err != nil {
			fail("entries: %v", err)
		}
		for j, e := range es {
			i := b*256 + int64(j)
			if tlog.RecordHash(e) != leaves[i] {
				fail("entry %d does not hash to its leaf in the verified tiles", i)
			}
		}
	}
	fmt.Printf("ok %d %d\n", tree.N, len(leaves))
}
