// Command gateway shows the Cristal Image gateway end to end, on loopback,
// with nothing to install:
//
//	go run ./examples/gateway
//
// A tus receiver stands for the national platform; the gateway (a DICOM
// storage SCP) receives a synthetic CT study from radkit's DICOM client as
// a modality would send it, de-identifies it with the cristal profile and
// the donor record number, and sends it over tus. The same gateway runs in
// production as "radkit gateway".
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/gateway"
	"github.com/radkit/radkit/synth"
	"github.com/radkit/radkit/transfer"
	"github.com/radkit/radkit/transfer/dimse"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gateway example:", err)
		os.Exit(1)
	}
}

// platform is the receiving end: it keeps what arrives.
type platform struct {
	mu   sync.Mutex
	objs [][]byte
}

func (p *platform) Store(_ context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.objs = append(p.objs, b)
	p.mu.Unlock()
	return nil
}

func (p *platform) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.objs)
}

func run(out io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "radkit-gateway-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The platform: a tus receiver on loopback.
	plat := &platform{}
	rc, err := transfer.NewReceiver(transfer.ReceiverOptions{Dir: filepath.Join(dir, "uploads"), Sink: plat})
	if err != nil {
		return err
	}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go rc.Serve(ctx, rl)

	// The gateway.
	const donor = "CRISTAL-2026-0007"
	g, err := gateway.New(gateway.Config{
		Spool: filepath.Join(dir, "spool"), Key: []byte("example site key, never in production"),
		DonorID: donor, Destination: "http://" + rl.Addr().String() + "/files/", Poll: 100 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go g.Serve(ctx, gl)

	// The modality: a synthetic CT study pushed by C-STORE.
	paths, err := synth.WriteStudy(ctx, filepath.Join(dir, "modality"), synth.CT, synth.Options{Seed: 7, Slices: 5, Rows: 128, Columns: 128})
	if err != nil {
		return err
	}
	first, err := dicomio.ReadFile(paths[0], nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "modality: C-STORE of %d CT slices of patient %q to the gateway\n", len(paths), first.Dataset.String(dicomio.TagPatientName))
	res, err := dimse.Send(ctx, gl.Addr().String(), paths, &dimse.SendOptions{Dial: dimse.DialOptions{CalledAE: "RADKIT-GW"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gateway: %d instances acknowledged (each durable in the spool first)\n", res.Stored)

	deadline := time.Now().Add(30 * time.Second)
	for plat.count() < len(paths) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d instances reached the platform", plat.count(), len(paths))
		}
		time.Sleep(50 * time.Millisecond)
	}
	f, err := dicomio.Parse(bytes.NewReader(plat.objs[0]), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "platform: %d instances received over tus, SHA-256 checked; patient %q, ID %q\n",
		plat.count(), f.Dataset.String(dicomio.TagPatientName), f.Dataset.String(dicomio.TagPatientID))
	if f.Dataset.String(dicomio.TagPatientID) != donor {
		return fmt.Errorf("the platform did not get the donor record number")
	}
	return nil
}
