// cosigcheck CHECKPOINT_FILE SITE_VKEY WITNESS_VKEY [MIN_TIME] - checks a
// checkpoint cosigned by a witness (C2SP tlog-cosignature, cosignature/v1)
// with nothing of Muster's C code: golang.org/x/mod/sumdb/note opens the
// note, with the log's verifier from note.NewVerifier and the witness's
// verifier written here from the spec with crypto/ed25519 and crypto/sha256
// (sumdb/note knows no 0x04 keys).  Both signatures must verify, and the
// cosignature's timestamp must be at least MIN_TIME (POSIX seconds) when
// given.  Prints "ok ORIGIN SIZE cosigned TIME" and exits 0, or prints why
// on stderr and exits 1; 2 for usage errors and unreadable files.  With
// several cosignatures by the witness, note.Open verifies only the first
// (it drops repeated signatures by one verifier), so TIME is that line's;
// muster_cosig_verify checks them all and reports the newest.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

const algCosignatureV1 = 0x04

// cosigVerifier is a witness's cosignature/v1 key.  Verify receives the
// note's text and the signature bytes after the key hash:
// timestamp[8] || ed25519 signature[64].
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	// The timestamp of the last cosignature that verified.
	time     uint64
	verified bool
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }

func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > math.MaxInt64 {
		return false
	}
	m := []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n")
	m = append(m, msg...)
	if !ed25519.Verify(v.key, m, sig[8:]) {
		return false
	}
	v.time, v.verified = t, true
	return true
}

// keyHash is SHA-256(name || "\n" || 0x04 || pubkey)[:4], big-endian.
func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validName is sumdb/note's rule: non-empty UTF-8, no Unicode space, no '+'.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 &&
		!strings.Contains(name, "+")
}

// newCosigVerifier parses "name+hex(keyhash)+base64(0x04 || pubkey)".
func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	f := strings.SplitN(vkey, "+", 3)
	if len(f) != 3 {
		return nil, errors.New("not name+hash+key")
	}
	name, hash16, key64 := f[0], f[1], f[2]
	if !validName(name) {
		return nil, fmt.Errorf("invalid name %q", name)
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if len(hash16) != 8 || err != nil {
		return nil, fmt.Errorf("key hash %q is not 8 hex digits", hash16)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil {
		return nil, fmt.Errorf("key: %v", err)
	}
	if len(key) != 1+ed25519.PublicKeySize || key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("key is not 0x04 || 32-byte Ed25519 public key (%d bytes)", len(key))
	}
	if want := keyHash(name, key); uint32(hash) != want {
		return nil, fmt.Errorf("key hash %08x, computed %08x", hash, want)
	}
	return &cosigVerifier{name: name, hash: uint32(hash), key: ed25519.PublicKey(key[1:])}, nil
}

// checkpoint reads the origin and size lines of a tlog-checkpoint body.
func checkpoint(text string) (origin string, size uint64, err error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return "", 0, errors.New("checkpoint has fewer than three lines")
	}
	origin = strings.TrimSuffix(lines[0], "\n")
	s := strings.TrimSuffix(lines[1], "\n")
	size, err = strconv.ParseUint(s, 10, 64)
	if err != nil || (len(s) > 1 && s[0] == '0') {
		return "", 0, fmt.Errorf("size %q is not a decimal number", s)
	}
	root, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(root) != sha256.Size {
		return "", 0, errors.New("root hash is not base64 of 32 bytes")
	}
	return origin, size, nil
}

func main() {
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: cosigcheck CHECKPOINT_FILE SITE_VKEY WITNESS_VKEY [MIN_TIME]")
		os.Exit(2)
	}
	fail := func(f string, a ...interface{}) {
		fmt.Fprintf(os.Stderr, "cosigcheck: "+f+"\n", a...)
		os.Exit(1)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "cosigcheck:", err)
		os.Exit(2)
	}
	var minTime uint64
	if len(os.Args) == 5 {
		if minTime, err = strconv.ParseUint(os.Args[4], 10, 64); err != nil {
			fmt.Fprintf(os.Stderr, "cosigcheck: MIN_TIME %q: %v\n", os.Args[4], err)
			os.Exit(2)
		}
	}
	site, err := note.NewVerifier(strings.TrimSpace(os.Args[2]))
	if err != nil {
		fail("site verifier key: %v", err)
	}
	witness, err := newCosigVerifier(strings.TrimSpace(os.Args[3]))
	if err != nil {
		fail("witness verifier key: %v", err)
	}

	n, err := note.Open(msg, note.VerifierList(site, witness))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			fail("signature by %s+%08x does not verify", inv.Name, inv.Hash)
		case errors.As(err, &unv):
			fail("neither the log nor the witness signed the note (%d unknown signatures)", len(unv.Note.UnverifiedSigs))
		default:
			fail("note.Open: %v", err)
		}
	}
	var bySite, byWitness bool
	for _, s := range n.Sigs {
		switch {
		case s.Name == site.Name() && s.Hash == site.KeyHash():
			bySite = true
		case s.Name == witness.Name() && s.Hash == witness.KeyHash():
			byWitness = true
		}
	}
	if !bySite {
		fail("no signature by the log %s+%08x", site.Name(), site.KeyHash())
	}
	if !byWitness || !witness.verified {
		fail("no cosignature by the witness %s+%08x", witness.Name(), witness.KeyHash())
	}
	if !bytes.HasPrefix(msg, []byte(n.Text)) {
		fail("note text is not the start of the file")
	}
	origin, size, err := checkpoint(n.Text)
	if err != nil {
		fail("%v", err)
	}
	if witness.time < minTime {
		fail("cosigned at %d, before %d", witness.time, minTime)
	}
	fmt.Printf("ok %s %d cosigned %d\n", origin, size, witness.time)
}
