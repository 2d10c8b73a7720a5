package pgindex

import (
	"context"
	"encoding/json"

	"github.com/radkit/radkit/dicomarchive"
)

// StudyQueryCost runs the statement of QueryStudies(q) under EXPLAIN
// (ANALYZE, BUFFERS) and returns the shared buffers it touched (found in
// memory or read) and its execution time on the server in milliseconds:
// the buffer count measures a plan's work independently of how busy the
// machine is.
func (ix *Index) StudyQueryCost(ctx context.Context, q *dicomarchive.Query) (buffers int64, ms float64, err error) {
	stmt, args, _, err := pageSQL(q, 0, studiesSQL)
	if err != nil {
		return 0, 0, err
	}
	var out []byte
	if err := ix.db.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+stmt, args...).Scan(&out); err != nil {
		return 0, 0, err
	}
	var plans []struct {
		Plan struct {
			Hit  int64 `json:"Shared Hit Blocks"`
			Read int64 `json:"Shared Read Blocks"`
		}
		ExecutionTime float64 `json:"Execution Time"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		return 0, 0, err
	}
	return plans[0].Plan.Hit + plans[0].Plan.Read, plans[0].ExecutionTime, nil
}

// Sealed waits for pending entry id, whose content is e's, to be in the
// chain, as an append does after committing it.
func (ix *Index) Sealed(ctx context.Context, id int64, e dicomarchive.AuditEntry) (dicomarchive.AuditEntry, error) {
	return ix.sealed(ctx, id, e)
}
