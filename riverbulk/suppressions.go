package riverbulk

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/crispwa/crispwa"
)

// Suppression is one number on the suppression list.
type Suppression struct {
	Number string // canonical +E.164
	Reason string
	Added  time.Time
}

// Suppress puts number (any spelling with its country code) on the
// suppression list of this database: no campaign of it sends to that
// number any more. Recipient-class failures are added by HandleCallback.
func (s *Store) Suppress(ctx context.Context, number, reason string) error {
	n, err := crispwa.NormalizePhone(number, "")
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO crispwa_suppressions (number, reason) VALUES ($1, $2)
		ON CONFLICT (number) DO UPDATE SET reason = EXCLUDED.reason`, n, reason)
	if err != nil {
		return fmt.Errorf("riverbulk: suppress: %w", err)
	}
	return nil
}

// Unsuppress takes number off the suppression list; it reports whether it
// was on it.
func (s *Store) Unsuppress(ctx context.Context, number string) (bool, error) {
	n, err := crispwa.NormalizePhone(number, "")
	if err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM crispwa_suppressions WHERE number = $1", n)
	if err != nil {
		return false, fmt.Errorf("riverbulk: unsuppress: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Suppressed reports whether number is on the suppression list.
func (s *Store) Suppressed(ctx context.Context, number string) (bool, error) {
	n, err := crispwa.NormalizePhone(number, "")
	if err != nil {
		return false, err
	}
	var on bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM crispwa_suppressions WHERE number = $1)", n).Scan(&on); err != nil {
		return false, fmt.Errorf("riverbulk: suppressed: %w", err)
	}
	return on, nil
}

// Suppressions lists the suppression list, ordered by number.
func (s *Store) Suppressions(ctx context.Context) iter.Seq2[Suppression, error] {
	return func(yield func(Suppression, error) bool) {
		rows, err := s.pool.Query(ctx, "SELECT number, reason, added_at FROM crispwa_suppressions ORDER BY number")
		if err != nil {
			yield(Suppression{}, fmt.Errorf("riverbulk: suppressions: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var x Suppression
			if err := rows.Scan(&x.Number, &x.Reason, &x.Added); err != nil {
				yield(Suppression{}, fmt.Errorf("riverbulk: suppressions: %w", err))
				return
			}
			if !yield(x, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Suppression{}, fmt.Errorf("riverbulk: suppressions: %w", err))
		}
	}
}
