package riverbulk

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// Suppressions is the suppression list of a Store's database, a
// bulk.Suppressions: every campaign of that database consults it before
// each send, and HandleCallback and the workers add every recipient-class
// failure to it. A file-journal Runner can share it too
// (bulk.WithSuppressions(store.Suppressions())).
type Suppressions struct{ s *Store }

// Suppressions returns the database's suppression list.
func (s *Store) Suppressions() *Suppressions { return &Suppressions{s: s} }

var _ bulk.Suppressions = (*Suppressions)(nil)

// canonical reads number in any spelling with its country code.
func canonical(number string) (string, error) { return crispwa.NormalizePhone(number, "") }

// Contains reports whether number is on the list.
func (l *Suppressions) Contains(ctx context.Context, number string) (bool, error) {
	n, err := canonical(number)
	if err != nil {
		return false, err
	}
	var on bool
	if err := l.s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM crispwa_suppressions WHERE number = $1)", n).Scan(&on); err != nil {
		return false, fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	return on, nil
}

// Add puts number on the list with reason (kept when it is already there).
func (l *Suppressions) Add(ctx context.Context, number, reason string) error {
	n, err := canonical(number)
	if err != nil {
		return err
	}
	if _, err := l.s.pool.Exec(ctx, `INSERT INTO crispwa_suppressions (number, reason) VALUES ($1, $2)
		ON CONFLICT (number) DO NOTHING`, n, reason); err != nil {
		return fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	return nil
}

// Remove takes number off the list (not an error when it is not there).
func (l *Suppressions) Remove(ctx context.Context, number string) error {
	n, err := canonical(number)
	if err != nil {
		return err
	}
	if _, err := l.s.pool.Exec(ctx, "DELETE FROM crispwa_suppressions WHERE number = $1", n); err != nil {
		return fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	return nil
}

// List returns the whole list, sorted by number.
func (l *Suppressions) List(ctx context.Context) ([]bulk.Suppression, error) {
	rows, err := l.s.pool.Query(ctx, "SELECT number, reason, added_at FROM crispwa_suppressions ORDER BY number")
	if err != nil {
		return nil, fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bulk.Suppression, error) {
		var x bulk.Suppression
		err := r.Scan(&x.Number, &x.Reason, &x.Time)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	return out, nil
}
