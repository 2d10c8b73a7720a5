package dimse

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/radkit/radkit/internal/atomicfile"
)

// DirHandler returns a [Handler] that writes each received instance to
// dir as <SOP Instance UID>.dcm, atomically (a reader never sees a partial
// file) and durably (synced before the success status is sent), which is
// what a modality expects before it deletes its copy. An instance whose
// UID is not a valid UID is refused (0xA900) rather than trusted as a
// file name; one already present is overwritten, as PACS do on resend.
func DirHandler(dir string) Handler {
	return HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		if !validUID(req.SOPInstanceUID) {
			return &StatusError{Code: StatusDataSetMismatch, Comment: "invalid SOP Instance UID"}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(dir, req.SOPInstanceUID+".dcm"), 0o644, func(w io.Writer) error {
			_, err := io.Copy(w, req.Body)
			return err
		})
	})
}

// validUID reports whether s is a UID (PS3.5 9.1): at most 64 characters,
// digits in dot-separated components. It is what makes a UID safe as a
// file name.
func validUID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
