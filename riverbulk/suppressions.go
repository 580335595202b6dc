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
	return collectSuppressions(rows, err)
}

// Import puts every number of list on the suppression list in one
// statement (a number already there keeps its reason), for example a
// bulk.SuppressionFile's List, and returns how many were not there yet.
// A number that is not one fails the whole import: nothing is added.
func (l *Suppressions) Import(ctx context.Context, list []bulk.Suppression) (int, error) {
	numbers := make([]string, len(list))
	reasons := make([]string, len(list))
	for i, s := range list {
		n, err := canonical(s.Number)
		if err != nil {
			return 0, fmt.Errorf("riverbulk: suppressions: importing %q: %w", s.Number, err)
		}
		numbers[i], reasons[i] = n, s.Reason
	}
	tag, err := l.s.pool.Exec(ctx, `INSERT INTO crispwa_suppressions (number, reason)
		SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (number) DO NOTHING`, numbers, reasons)
	if err != nil {
		return 0, fmt.Errorf("riverbulk: suppressions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// InCampaign returns the numbers of campaign's recipients that are on the
// list, sorted by number: those WhatsApp refused for good during the
// campaign (a recipient-class failure) and those that were on it already.
func (l *Suppressions) InCampaign(ctx context.Context, campaign string) ([]bulk.Suppression, error) {
	rows, err := l.s.pool.Query(ctx, `SELECT s.number, s.reason, s.added_at FROM crispwa_suppressions s
		WHERE EXISTS (SELECT 1 FROM crispwa_recipients r WHERE r.campaign = $1 AND r.to_number = s.number)
		ORDER BY s.number`, campaign)
	return collectSuppressions(rows, err)
}

// collectSuppressions reads the rows of a query of number, reason and
// added_at (err is the query's).
func collectSuppressions(rows pgx.Rows, err error) ([]bulk.Suppression, error) {
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
