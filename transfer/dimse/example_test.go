package dimse_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"

	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer/dimse"
)

// A C-STORE SCP on loopback receives a synthetic CT study sent by the SCU
// over one association.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "dimse-example")
	defer os.RemoveAll(dir)
	paths, err := synth.WriteStudy(ctx, dir, synth.CT, synth.Options{Seed: 1, Slices: 4, Rows: 64, Columns: 64})
	if err != nil {
		fmt.Println(err)
		return
	}

	var received atomic.Int64
	srv := &dimse.Server{
		AETitle: "RADKIT-GW",
		Handler: dimse.HandlerFunc(func(ctx context.Context, req *dimse.StoreRequest) error {
			// req.Body is a Part 10 stream read from the network as it
			// arrives: copy it to a file, an archive or a transfer job.
			n, err := io.Copy(io.Discard, req.Body)
			received.Add(n)
			return err
		}),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(l)
	defer srv.Shutdown(ctx)

	res, err := dimse.Send(ctx, l.Addr().String(), paths, &dimse.SendOptions{
		Dial:     dimse.DialOptions{CalledAE: "RADKIT-GW", CallingAE: "CT-SCANNER"},
		Progress: func(p dimse.Progress) { fmt.Printf("%d/%d %v\n", p.Done, p.Total, p.Err) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stored:", res.Stored, "bytes received > 0:", received.Load() > 0)
	// Output:
	// 1/4 <nil>
	// 2/4 <nil>
	// 3/4 <nil>
	// 4/4 <nil>
	// stored: 4 bytes received > 0: true
}

// Dial, echo, release: what `echoscu` does.
func ExampleDial() {
	ctx := context.Background()
	srv := &dimse.Server{} // the zero value answers C-ECHO
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Shutdown(ctx)

	a, err := dimse.Dial(ctx, l.Addr().String(), &dimse.DialOptions{CalledAE: "ANY-SCP"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("echo:", a.Echo(ctx))
	fmt.Println("release:", a.Release(ctx))
	// Output:
	// echo: <nil>
	// release: <nil>
}
