package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lib/pq"
)

// ErrNotFound is returned when the object named by an id does not exist.
var ErrNotFound = errors.New("not found")

// ValidationError lists every field that failed, with the rule it broke.
type ValidationError struct {
	Fields map[string]string
}

// Invalid returns a ValidationError for one field.
func Invalid(field, rule string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: rule}}
}

// Add records one more failing field (the first rule for a field wins).
func (e *ValidationError) Add(field, rule string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = rule
	}
}

// Merge adds the fields of other under prefix ("user." etc.).
func (e *ValidationError) Merge(prefix string, other *ValidationError) {
	if other == nil {
		return
	}
	for f, r := range other.Fields {
		e.Add(prefix+f, r)
	}
}

// OrNil returns nil when no field failed, so `return v.OrNil()` reads naturally.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// ConflictError says a unique value is already taken.
type ConflictError struct {
	Field string
	Msg   string
}

func (e *ConflictError) Error() string { return e.Msg }

// InUseError says an object cannot be deleted because others still refer to it.
type InUseError struct {
	Msg string
}

func (e *InUseError) Error() string { return e.Msg }

// mapPQ turns constraint violations the schema enforces into typed errors, naming the field.
// fields maps constraint names to the field they guard.
func mapPQ(err error, fields map[string]string) error {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return err
	}
	field := fields[pe.Constraint]
	if field == "" {
		field = pe.Column
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &ConflictError{Field: field, Msg: fmt.Sprintf("%s: already in use", nonEmpty(field, pe.Constraint))}
	case "23503": // foreign_key_violation
		if strings.Contains(pe.Message, "still referenced") || strings.Contains(pe.Detail, "is still referenced") {
			return &InUseError{Msg: "still in use: " + pe.Detail}
		}
		return Invalid(nonEmpty(field, pe.Constraint), "refers to something that does not exist")
	case "23514", "23502", "22001", "22P02": // check, not null, too long, bad text representation
		return Invalid(nonEmpty(field, pe.Constraint), pe.Message)
	}
	return err
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
