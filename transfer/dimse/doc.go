// Package dimse speaks the DICOM network protocol (PS3.8 upper layer,
// PS3.7 DIMSE) in pure Go, so that a radkit gateway can sit where
// modalities and PACS send images: they speak DIMSE over TCP, not HTTP.
//
// # Acceptor (SCP)
//
// [Server] is shaped like net/http's: its zero value is an echo-only SCP,
// a one-method [Handler] (with the [HandlerFunc] adapter) receives C-STORE
// requests, and [Server.Shutdown] stops it gracefully. Each instance is
// streamed to the handler as a Part 10 stream whose data set is the bytes
// received, never buffered whole: sending and receiving a 64 MiB object in
// one process allocates under 2 MiB in all (TestStreamingMemory). Limits (associations, PDU length,
// presentation contexts, command size, timeouts) bound what a hostile or
// broken peer can make the server hold. [DirHandler] writes each instance
// to a directory, durably, before Success is answered. TLS
// ([Server.TLSConfig]) and user identity ([Server.Authenticate]) are
// options.
//
// # Requester (SCU)
//
// [Dial] negotiates an association; [Association.Echo],
// [Association.Store] and [Association.Find] run C-ECHO, C-STORE and
// C-FIND on it, and [Echo] is the one-call "ping". [Send] stores many
// files over one association, proposing each file's own transfer syntax
// so that instances travel byte for byte when the peer accepts it,
// converting between native syntaxes, or decoding compressed ones with
// radkit's codecs, when it does not; it retries per instance and reports
// progress.
//
// # Errors
//
// A non-success DIMSE status is a *[StatusError]; errors.Is with
// [ErrWarning], [ErrFailure] or [ErrCancel] tests its class. A refused
// association is a *[RejectError], an aborted one an *[AbortError]; bad
// bytes from the peer wrap [ErrMalformedPDU] (inside a *[PDUError]) and
// make this side send an A-ABORT. Nothing a peer sends can make the
// package panic; FuzzReadPDU checks the PDU decoder.
//
// C-FIND is served by a [FindHandler] (with [Match] for the standard
// matching rules) and requested with [Association.Find].
//
// Not yet implemented: C-MOVE, C-GET, asynchronous operations windows (one message at a time per
// association), SCP/SCU role selection (default roles apply) and
// transcoding to or from compressed syntaxes (no pixel codec is used).
package dimse
