package screening

import (
	"errors"
	"fmt"
)

// Sentinel errors. A rejected event's error is an [*EventError] that wraps
// one of them (test with [errors.Is]) and names the event and the rule.
var (
	// ErrUnknownCode: an unknown programme, kind, category, outcome,
	// code or action, or a kind used in the wrong programme.
	ErrUnknownCode = errors.New("screening: unknown code")
	// ErrMissingField: a required field is empty.
	ErrMissingField = errors.New("screening: missing field")
	// ErrFutureDate: the event is dated after today.
	ErrFutureDate = errors.New("screening: date in the future")
	// ErrNoExam: a result names no stored exam (or one of another kind,
	// programme or later date).
	ErrNoExam = errors.New("screening: result without its exam")
	// ErrNoBirth: a programme event for a person whose birth date is not
	// recorded.
	ErrNoBirth = errors.New("screening: birth date unknown")
	// ErrAge: the person's age is outside the programme's bounds.
	ErrAge = errors.New("screening: age outside the programme")
	// ErrAfterDeath: the event is dated after the person's death.
	ErrAfterDeath = errors.New("screening: event after death")
	// ErrConflict: another event is stored under the same ID.
	ErrConflict = errors.New("screening: conflicting event ID")
	// ErrResultsOpposed: the person opposed the processing of results.
	ErrResultsOpposed = errors.New("screening: the person opposed the processing of results")
	// ErrInconsistent: the event contradicts itself (a FIT outcome that
	// disagrees with its value and threshold, a deferred workup at ACR 0).
	ErrInconsistent = errors.New("screening: inconsistent event")
	// ErrTransition: the event is not allowed in the person's state; the
	// error also holds an [*InvalidTransitionError].
	ErrTransition = errors.New("screening: transition not allowed")
)

// EventError is why an event was rejected. Nothing is stored for a
// rejected event.
type EventError struct {
	Event  EventID
	Person PersonID
	Kind   Kind
	// Rule is the rule that rejects the event.
	Rule RuleID
	// Field is the payload field at fault, if any ("Reading.Category").
	Field string
	// Msg says what is wrong.
	Msg string
	// Err is one of the sentinels, or an [*InvalidTransitionError].
	Err error
}

func (e *EventError) Error() string {
	s := fmt.Sprintf("screening: event %q (%s) of person %q rejected by rule %s", e.Event, e.Kind, e.Person, cite(e.Rule))
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Unwrap returns the sentinel or the [*InvalidTransitionError].
func (e *EventError) Unwrap() error { return e.Err }

func reject(ev *Event, rule RuleID, sentinel error, field, format string, args ...any) *EventError {
	return &EventError{Event: ev.ID, Person: ev.Person, Kind: ev.Kind(), Rule: rule, Field: field, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// Is makes errors.Is(err, ErrTransition) true for transition errors.
func (e *InvalidTransitionError) Is(target error) bool { return target == ErrTransition }
