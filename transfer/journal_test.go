package transfer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJournalReplayAndTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	j, err := OpenJournal(path, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.append(record{Op: "job", Job: "a", Dest: "https://x/files/", Prio: PriorityUrgent, Paths: []string{"p1", "p2"}}))
	must(j.append(record{Op: "file", Job: "a", Path: "p1", UID: "1.2", SHA256: "aa", Size: 10}))
	must(j.append(record{Op: "offset", Job: "a", UID: "1.2", SHA256: "aa", URL: "https://x/files/1", Off: 4}))
	must(j.append(record{Op: "file", Job: "a", Path: "p2", UID: "1.3", SHA256: "bb", Size: 5}))
	must(j.append(record{Op: "sent", Job: "a", UID: "1.3", SHA256: "bb"}))
	j.Close()
	// A crash in the middle of a write leaves a torn line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"2026-01-01T00:00:00Z","op":"offset","job":"a","uid":"1.2","sha`)
	f.Close()
	j, err = OpenJournal(path, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	js := j.Job("a")
	if js == nil || js.Priority != PriorityUrgent || js.Done {
		t.Fatalf("%+v", js)
	}
	f1, f2 := js.Files["1.2/aa"], js.Files["1.3/bb"]
	if f1 == nil || f1.Offset != 4 || f1.URL != "https://x/files/1" || f1.Outcome != OutcomePending {
		t.Errorf("file 1: %+v", f1)
	}
	if f2 == nil || f2.Outcome != OutcomeSent || f2.Offset != 5 {
		t.Errorf("file 2: %+v", f2)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(`"sha`+"\n")) || !bytes.HasSuffix(data, []byte("\n")) {
		t.Error("torn tail kept")
	}
	var buf bytes.Buffer
	if err := j.Export(&buf); err != nil || bytes.Count(buf.Bytes(), []byte("\n")) != 5 {
		t.Errorf("export: %v\n%s", err, buf.String())
	}
}

func TestJournalCorruptMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	os.WriteFile(path, []byte("{\"op\":\"job\",\"job\":\"a\"}\nnot json\n{\"op\":\"done\",\"job\":\"a\"}\n"), 0o600)
	if _, err := OpenJournal(path, JournalOptions{}); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("got %v", err)
	}
}

func TestJournalTTL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	j, _ := OpenJournal(path, JournalOptions{Now: clock})
	j.append(record{Op: "job", Job: "old"})
	now = now.Add(48 * time.Hour)
	j.append(record{Op: "job", Job: "new"})
	j.Close()
	j, err := OpenJournal(path, JournalOptions{Now: clock, TTL: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Job("old") != nil || j.Job("new") == nil || len(j.Pending()) != 1 {
		t.Errorf("jobs after TTL: %d", len(j.Jobs()))
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(`"old"`)) {
		t.Error("expired job not dropped from the file")
	}
}

// TestJournalParts: part offsets, the concatenation mark and the final
// URL survive a reopen; a whole-file offset (a restart without parts)
// clears the parts.
func TestJournalParts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	j, err := OpenJournal(path, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := record{Job: "a", UID: "1.2", SHA256: "aa", Path: "p", Size: 10}
	with := func(op string, edit func(*record)) record { r := f; r.Op = op; edit(&r); return r }
	if err := j.writeAll([]record{
		{Op: "job", Job: "a", Dest: "https://x/files/", Paths: []string{"p"}},
		with("offset", func(r *record) { r.URL, r.Part, r.Parts = "https://x/files/p1", 1, 2 }),
		with("offset", func(r *record) { r.URL, r.Part, r.Parts = "https://x/files/p2", 2, 2 }),
		with("offset", func(r *record) { r.URL, r.Off, r.Part, r.Parts = "https://x/files/p2", 3, 2, 2 }),
		with("offset", func(r *record) { r.URL, r.Off, r.Part, r.Parts = "https://x/files/p1", 5, 1, 2 }),
		with("concat", func(*record) {}),
	}, true); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenJournal(path, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs := j.Job("a").Files["1.2/aa"]
	if fs == nil || len(fs.Parts) != 2 || fs.Parts[0] != (PartState{"https://x/files/p1", 5}) || fs.Parts[1] != (PartState{"https://x/files/p2", 3}) || !fs.Concat || fs.Outcome != OutcomePending {
		t.Fatalf("%+v", fs)
	}
	if err := j.append(with("sent", func(r *record) { r.URL = "https://x/files/final" })); err != nil {
		t.Fatal(err)
	}
	if fs := j.Job("a").Files["1.2/aa"]; fs.Outcome != OutcomeSent || fs.URL != "https://x/files/final" || fs.Offset != 10 {
		t.Errorf("after sent: %+v", fs)
	}
	if err := j.append(with("offset", func(r *record) { r.URL = "https://x/files/w" })); err != nil {
		t.Fatal(err)
	}
	if fs := j.Job("a").Files["1.2/aa"]; fs.Parts != nil || fs.Concat || fs.URL != "https://x/files/w" {
		t.Errorf("after a plain offset: %+v", fs)
	}
	j.Close()
}
