// tlogcheck verifies Muster's transparency-log artifacts with the Go
// project's own code: golang.org/x/mod/sumdb/note opens the signed
// checkpoints and golang.org/x/mod/sumdb/tlog checks the RFC 6962 inclusion
// and consistency proofs.  Nothing here is shared with Muster's C code, so a
// misreading of C2SP signed-note, C2SP tlog-checkpoint or RFC 6962 on either
// side shows up as a failure.
//
// Usage:
//
//	tlogcheck -vkey FILE [-inclusion FILE] [-consistency FILE] CHECKPOINT...
//
// -vkey names a file holding the log's verifier key ("muster log vkey").
// Each CHECKPOINT file holds one signed checkpoint ("muster log checkpoint").
// The -inclusion and -consistency files hold one JSON object a line, as
// printed by "muster log proof" and "muster log consistency".  Every proof
// is checked against the roots of the signed checkpoints for its tree sizes,
// so a proof whose size has no checkpoint among the arguments fails.
//
// Exit status: 0 when everything verifies, with a one-line summary on
// stdout; 1 when anything does not, each failing case named on stderr;
// 2 for usage errors and unreadable files.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxFailures bounds how many failing cases are listed; the count is exact.
const maxFailures = 20

type checker struct {
	verifier note.Verifier
	roots    map[int64]tlog.Hash // tree size -> root, from verified checkpoints
	from     map[int64]string    // tree size -> the checkpoint file it came from
	leaves   map[int64]leafSeen  // index -> leaf bytes of the first proof for it
	cases    int                 // checkpoints and proofs looked at
	failures int
}

type leafSeen struct {
	data []byte
	size int64
}

func (c *checker) fail(format string, args ...interface{}) {
	c.failures++
	if c.failures <= maxFailures {
		fmt.Fprintf(os.Stderr, "tlogcheck: FAIL "+format+"\n", args...)
	}
}

func fatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(2)
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: the origin line, the
// tree size in decimal, the base64 root hash, then optional extension lines.
// (tlog.ParseTree reads the go.sum database's variant, so it is not used.)
func parseCheckpoint(text, origin string) (int64, tlog.Hash, error) {
	if !strings.HasSuffix(text, "\n") {
		return 0, tlog.Hash{}, errors.New("checkpoint text does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint has %d lines, want at least 3", len(lines))
	}
	if lines[0] != origin {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint origin %q is not the key name %q", lines[0], origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return 0, tlog.Hash{}, fmt.Errorf("malformed tree size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil || root.String() != lines[2] {
		return 0, tlog.Hash{}, fmt.Errorf("malformed root hash %q", lines[2])
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return 0, tlog.Hash{}, fmt.Errorf("extension line %d is empty", i+1)
		}
	}
	return size, root, nil
}

func (c *checker) checkpoint(file string) {
	c.cases++
	msg, err := os.ReadFile(file)
	if err != nil {
		fatal("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(c.verifier))
	if err != nil {
		c.fail("checkpoint %s: %v", file, err)
		return
	}
	size, root, err := parseCheckpoint(n.Text, c.verifier.Name())
	if err != nil {
		c.fail("checkpoint %s: %v", file, err)
		return
	}
	if old, ok := c.roots[size]; ok && old != root {
		c.fail("checkpoint %s: size %d has root %v, but %s signs root %v", file, size, root, c.from[size], old)
		return
	}
	c.roots[size] = root
	c.from[size] = file
}

// root returns the signed root for a tree size, failing the case without one.
func (c *checker) root(what string, size int64) (tlog.Hash, bool) {
	r, ok := c.roots[size]
	if !ok {
		c.fail("%s: no verified checkpoint for tree size %d", what, size)
	}
	return r, ok
}

// eachLine calls fn for every non-empty line of a JSON-lines file, with a
// name for the case that error messages can use.
func eachLine(file string, fn func(where string, line []byte)) int {
	f, err := os.Open(file)
	if err != nil {
		fatal("%v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	n, count := 0, 0
	for sc.Scan() {
		n++
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			count++
			fn(fmt.Sprintf("%s:%d", file, n), line)
		}
	}
	if err := sc.Err(); err != nil {
		fatal("%s: %v", file, err)
	}
	return count
}

// toInt64 rejects JSON numbers that tlog cannot take.
func toInt64(v *uint64) (int64, bool) {
	if v == nil || *v > math.MaxInt64 {
		return 0, false
	}
	return int64(*v), true
}

// inclusion checks one "muster log proof" object:
// {"index":I,"size":N,"leaf":"<base64 entry>","proof":["<base64 hash>",...]}
func (c *checker) inclusion(where string, line []byte) {
	c.cases++
	var p struct {
		Index *uint64     `json:"index"`
		Size  *uint64     `json:"size"`
		Leaf  *[]byte     `json:"leaf"`
		Proof []tlog.Hash `json:"proof"`
	}
	if err := json.Unmarshal(line, &p); err != nil {
		c.fail("inclusion proof at %s: %v", where, err)
		return
	}
	index, ok1 := toInt64(p.Index)
	size, ok2 := toInt64(p.Size)
	if !ok1 || !ok2 || p.Leaf == nil || p.Proof == nil {
		c.fail("inclusion proof at %s: missing or out-of-range index, size, leaf or proof", where)
		return
	}
	what := fmt.Sprintf("inclusion of index %d in tree size %d (%s)", index, size, where)
	root, ok := c.root(what, size)
	if !ok {
		return
	}
	if index >= size {
		c.fail("%s: index is not below the size", what)
		return
	}
	if err := tlog.CheckRecord(p.Proof, size, root, index, tlog.RecordHash(*p.Leaf)); err != nil {
		c.fail("%s: %v", what, err)
		return
	}
	// Proofs from different tree sizes must agree on what the entry is.
	if seen, ok := c.leaves[index]; !ok {
		c.leaves[index] = leafSeen{*p.Leaf, size}
	} else if !bytes.Equal(seen.data, *p.Leaf) {
		c.fail("%s: the leaf differs from the one proved in tree size %d", what, seen.size)
	}
}

// consistency checks one "muster log consistency" object:
// {"old_size":M,"new_size":N,"proof":["<base64 hash>",...]}
func (c *checker) consistency(where string, line []byte) {
	c.cases++
	var p struct {
		Old   *uint64     `json:"old_size"`
		New   *uint64     `json:"new_size"`
		Proof []tlog.Hash `json:"proof"`
	}
	if err := json.Unmarshal(line, &p); err != nil {
		c.fail("consistency proof at %s: %v", where, err)
		return
	}
	old, ok1 := toInt64(p.Old)
	nw, ok2 := toInt64(p.New)
	if !ok1 || !ok2 || p.Proof == nil {
		c.fail("consistency proof at %s: missing or out-of-range old_size, new_size or proof", where)
		return
	}
	what := fmt.Sprintf("consistency of tree size %d with %d (%s)", old, nw, where)
	oldRoot, ok1 := c.root(what, old)
	newRoot, ok2 := c.root(what, nw)
	if !ok1 || !ok2 {
		return
	}
	if err := tlog.CheckTree(p.Proof, nw, newRoot, old, oldRoot); err != nil {
		c.fail("%s: %v", what, err)
	}
}

func main() {
	vkeyFile := flag.String("vkey", "", "`file` holding the log's verifier key")
	inclFile := flag.String("inclusion", "", "`file` of inclusion proofs, one JSON object a line")
	consFile := flag.String("consistency", "", "`file` of consistency proofs, one JSON object a line")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: tlogcheck -vkey FILE [-inclusion FILE] [-consistency FILE] CHECKPOINT...\n")
		flag.PrintDefaults()
		os.Exit(2)
	}
	flag.Parse()
	if *vkeyFile == "" || flag.NArg() == 0 {
		flag.Usage()
	}

	vkey, err := os.ReadFile(*vkeyFile)
	if err != nil {
		fatal("%v", err)
	}
	c := &checker{
		roots:  map[int64]tlog.Hash{},
		from:   map[int64]string{},
		leaves: map[int64]leafSeen{},
	}
	// A bad key is a verification failure, not a usage error: it is what a
	// relying party would be handed.
	if c.verifier, err = note.NewVerifier(strings.TrimSuffix(string(vkey), "\n")); err != nil {
		fmt.Fprintf(os.Stderr, "tlogcheck: FAIL verifier key %s: %v\n", *vkeyFile, err)
		os.Exit(1)
	}

	for _, file := range flag.Args() {
		c.checkpoint(file)
	}
	nincl, ncons := 0, 0
	if *inclFile != "" {
		nincl = eachLine(*inclFile, c.inclusion)
	}
	if *consFile != "" {
		ncons = eachLine(*consFile, c.consistency)
	}

	if c.failures > 0 {
		if c.failures > maxFailures {
			fmt.Fprintf(os.Stderr, "tlogcheck: ... %d more failures\n", c.failures-maxFailures)
		}
		fmt.Fprintf(os.Stderr, "tlogcheck: %d of %d cases failed\n", c.failures, c.cases)
		os.Exit(1)
	}
	sizes := make([]int64, 0, len(c.roots))
	for s := range c.roots {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	fmt.Printf("verified %d checkpoints (%d tree sizes, %d to %d), %d inclusion proofs, %d consistency proofs\n",
		flag.NArg(), len(sizes), sizes[0], sizes[len(sizes)-1], nincl, ncons)
}
