package models

import (
	"errors"
	"testing"

	"github.com/lib/pq"
)

// A deadlock or a serialization failure becomes ErrWriteConflict (503, retry); other errors
// stay as they are.
func TestWriteConflictsAreRetryable(t *testing.T) {
	for code, want := range map[pq.ErrorCode]bool{"40P01": true, "40001": true, "23505": false} {
		if got := errors.Is(conflict(&pq.Error{Code: code}), ErrWriteConflict); got != want {
			t.Errorf("code %s: conflict %v, want %v", code, got, want)
		}
	}
	if conflict(nil) != nil {
		t.Error("nil became an error")
	}
}
