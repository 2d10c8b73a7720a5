package transfer_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer"
)

// A receiver and a sender on loopback: a three-slice CT study is sent,
// journalled, verified end to end and stored by the sink.
func Example() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "transfer-example")
	defer os.RemoveAll(tmp)

	// Receiving side: the sink would be the archive. It is called
	// concurrently, one call per upload being finished.
	var stored atomic.Int64
	sink := transfer.SinkFunc(func(ctx context.Context, r io.Reader) error {
		h := sha256.New()
		_, err := io.Copy(h, r)
		stored.Add(1)
		return err
	})
	rc, err := transfer.NewReceiver(transfer.ReceiverOptions{Dir: filepath.Join(tmp, "incoming"), Sink: sink, RequireDigest: true})
	if err != nil {
		panic(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := &http.Server{Handler: rc}
	go srv.Serve(ln)
	defer srv.Close()

	// Sending side.
	paths, _ := synth.WriteStudy(ctx, filepath.Join(tmp, "study"), synth.CT, synth.Options{Seed: 1, Slices: 3, Rows: 64, Columns: 64})
	journal, _ := transfer.OpenJournal(filepath.Join(tmp, "journal"), transfer.JournalOptions{})
	defer journal.Close()
	client, _ := transfer.NewClient("http://"+ln.Addr().String()+"/files/", transfer.ClientOptions{})
	sender := transfer.NewSender(client, transfer.SenderOptions{Journal: journal, Parallel: 2})
	rep, err := sender.Send(ctx, transfer.Job{ID: "donor-42", Priority: transfer.PriorityUrgent, Paths: paths})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(rep.Files), "files sent,", stored.Load(), "stored")

	// Sending the job again sends nothing: the journal knows.
	rep, _ = sender.Send(ctx, transfer.Job{ID: "donor-42"})
	fmt.Println("already sent:", rep.Files[0].AlreadySent)
	// Output:
	// 3 files sent, 3 stored
	// already sent: true
}

// Resuming every unfinished job after a crash, as "radkit send --resume"
// does: the journal records each job's protocol, destination and priority.
func ExampleJournal_Pending() {
	tmp, _ := os.MkdirTemp("", "transfer-example")
	defer os.RemoveAll(tmp)
	journal, err := transfer.OpenJournal(filepath.Join(tmp, "journal"), transfer.JournalOptions{})
	if err != nil {
		panic(err)
	}
	defer journal.Close()
	for _, job := range journal.Pending() {
		var sender *transfer.Sender
		switch job.Protocol {
		case "stow":
			client, err := transfer.NewStowClient(job.Destination, transfer.StowOptions{})
			if err != nil {
				continue
			}
			sender = transfer.NewStowSender(client, transfer.SenderOptions{Journal: journal})
		default:
			client, err := transfer.NewClient(job.Destination, transfer.ClientOptions{Parts: 4})
			if err != nil {
				continue
			}
			sender = transfer.NewSender(client, transfer.SenderOptions{Journal: journal})
		}
		sender.Send(context.Background(), transfer.Job{ID: job.ID, Priority: job.Priority})
	}
	fmt.Println(len(journal.Pending()), "jobs pending")
	// Output: 0 jobs pending
}

// Capping a gateway's upload bandwidth: one limiter shared by the clients
// of every destination caps the hospital link as a whole.
func ExampleNewRateLimiter() {
	limit := transfer.NewRateLimiter(20e6) // 20 MB/s
	client, err := transfer.NewClient("https://platform.example/files/", transfer.ClientOptions{Limiter: limit})
	fmt.Println(client != nil, err)
	// Output: true <nil>
}
