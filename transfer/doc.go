// Package transfer moves DICOM studies between sites resumably and
// verifiably over tus 1.0, for teleradiology, organ-donor images (Cristal
// Image: the transplant team waits 20 minutes for a vital organ) and
// second reading, over links that are slow, flaky, or both. DICOM DIMSE
// lives in transfer/dimse.
//
// # Sending
//
// A [Client] speaks tus 1.0 to one creation endpoint: core, creation,
// creation-with-upload, termination, concatenation (parallel parts of a
// large file, [ClientOptions.Parts]), checksum (sha256 or sha1 per PATCH,
// when the server advertises it) and expiration (an upload that vanished,
// 404 or 410, restarts from zero). The rules, in the order it applies
// them:
//
//  1. The server's offset is the truth. After any failure whose outcome is
//     unknown (a cut connection, a 5xx, a 409, an idle timeout) the client
//     asks (HEAD) and continues from there; it never assumes.
//  2. 423 Locked, 5xx, 429, network errors and idle timeouts are retried
//     with exponential backoff and jitter; the retry budget
//     ([RetryPolicy.MaxAttempts]) counts consecutive attempts without
//     progress, so a slow link that advances is never abandoned.
//  3. 413 halves the chunk, down to [ClientOptions.MinChunkSize].
//  4. There are idle timeouts (no byte moved), never whole-request
//     deadlines: a 300 MB study may take an hour on a bad link.
//  5. Upload returns nil only once the server reported the full offset,
//     and never when the server refused the completion (for the radkit
//     [Receiver], a whole-file digest mismatch).
//
// A [Sender] sends a [Job] (the files of a study) through a Client: files
// in parallel, ordered by [Priority] through a [Scheduler] that several
// senders may share, under a bandwidth cap ([Limiter], [NewRateLimiter]
// or a golang.org/x/time/rate Limiter). Each file is fingerprinted (SOP
// Instance UID and SHA-256 of its bytes); the SHA-256 travels in the
// upload's metadata ([MetaSHA256]) for the receiver to check. A file of
// at least [ClientOptions.PartThreshold] bytes goes as
// [ClientOptions.Parts] partial uploads in parallel and a final
// concatenation when the server advertises concatenation, as one plain
// upload otherwise. [NewStowSender] sends the same jobs with STOW-RS.
//
// # Crashes
//
// With a [Journal], every job, file, upload URL (of the file or of each of
// its parts), confirmed offset and outcome is appended to a file and
// fsync'ed: a URL or an offset before the sender goes on, a file's success
// before the job is reported done. Concurrent writers share fsyncs (group
// commit), and files are prepared (fingerprinted, their upload created
// and journalled) ahead of the network, so crash safety costs one small
// request per file and few fsyncs, not a round trip and an fsync in the
// data stream. After a crash of the sending process, SIGKILL included,
// sending the job again (its ID, or [Journal.Pending] for all) skips the
// files the receiver confirmed and resumes the others, and each part,
// from the last confirmed offset. The sender creates each upload empty
// and journals its URL before sending a byte, so a crash can leave an
// empty orphan upload on the server but never a duplicate instance. One
// window remains with concatenation: a crash after the final
// concatenation request was sent and before its answer was journalled
// leaves the outcome unknown; resuming sends the final request again,
// which radkit's [Receiver] answers with the upload it already made,
// while tusd makes a second, identical, upload. Over STOW-RS, the
// instances of each answer's Referenced SOP Sequence are journalled once
// per batch; resuming sends the others. The journal is also the
// time-stamped trace of exchanges the teleradiology guide asks the
// sender to keep ([Journal.Export]).
//
// # Receiving
//
// [Receiver] is an http.Handler implementing the tus server side with the
// extensions tusd lacks (checksum with sha1 and sha256, expiration) plus
// creation, creation-with-upload, creation-defer-length, termination and
// concatenation (a final request repeated for the same parts gets the
// upload the first one made, not a second copy).
// When an upload completes it checks the whole-file SHA-256 from the
// metadata, hands the instance to a [Sink] (the dicomarchive store
// satisfies it) and only then confirms the last byte to the sender.
//
// # STOW-RS
//
// [StowClient] stores instances in a DICOMweb archive (Orthanc, a PACS)
// with STOW-RS, in batches bounded in instances and bytes. Each instance's
// outcome is read from the answer's Referenced and Failed SOP Sequences,
// not from the HTTP status (Orthanc answers 400 for a batch that was
// partly stored); only instances that failed with a retry-later reason
// (A7xx) or whose outcome is unknown are sent again. Through
// [NewStowSender], STOW-RS jobs are journalled and resumable like tus
// ones.
//
// # Security
//
// [DefaultHTTPClient] requires TLS 1.2 or later and takes proxies from the
// environment; [NewHTTPClient] adds mutual TLS or a private CA;
// [BearerToken] and [BasicAuth] are authenticators, and any
// func(*http.Request) error will do.
//
// # Logs
//
// Loggers are silent unless given. Records carry job and upload IDs,
// sizes, offsets and error codes; never metadata, paths or DICOM
// attributes.
package transfer
