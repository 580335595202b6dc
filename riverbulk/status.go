package riverbulk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// CampaignStatus is where a campaign stands.
type CampaignStatus struct {
	Name string `json:"campaign"`
	// Total is how many recipients the campaign has; ByStatus counts them
	// by the status of their row (pending, sending, accepted, rejected,
	// unknown, suppressed, held).
	Total    int                 `json:"total"`
	ByStatus map[bulk.Status]int `json:"by_status"`
	// Remaining is how many are still to be sent (pending, scheduled
	// included) or in flight, except those Waiting for a retry-later round
	// whose time has not come.
	Remaining int `json:"remaining"`
	Waiting   int `json:"waiting"`
	// Delivered and Failed count the callbacks recorded; Failures counts
	// the failed ones by class.
	Delivered int                          `json:"delivered"`
	Failed    int                          `json:"failed"`
	Failures  map[crispwa.FailureClass]int `json:"failures,omitempty"`
	// Stopped is why the campaign was stopped ("" when it was not).
	Stopped string `json:"stopped,omitempty"`
	// PausedTemplates lists the templates paused by a template failure,
	// as "name (language): reason".
	PausedTemplates []string `json:"paused_templates,omitempty"`
	// Unknown lists the keys whose outcome is unknown (at most 1000).
	Unknown []string `json:"unknown,omitempty"`
}

// Done reports whether nothing is left to send now: every recipient
// accepted, refused, suppressed, held, unknown, or waiting for a later
// round.
func (c *CampaignStatus) Done() bool { return c.Remaining == 0 }

// Status returns where campaign stands; ErrNoCampaign when the database
// has no such campaign.
func (s *Store) Status(ctx context.Context, campaign string) (*CampaignStatus, error) {
	st := &CampaignStatus{Name: campaign, ByStatus: map[bulk.Status]int{}}
	var stopped *string
	if err := s.pool.QueryRow(ctx, "SELECT stopped_reason FROM crispwa_campaigns WHERE name = $1", campaign).Scan(&stopped); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("riverbulk: campaign %q: %w", campaign, ErrNoCampaign)
		}
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	if stopped != nil {
		st.Stopped = *stopped
	}
	rows, err := s.pool.Query(ctx, `SELECT status, delivery, coalesce(failure_class, ''),
			(status = 'pending' AND round > 0 AND coalesce(send_at > now(), false)), count(*)
		FROM crispwa_recipients WHERE campaign = $1 GROUP BY 1, 2, 3, 4`, campaign)
	if err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	for rows.Next() {
		var status, delivery, class string
		var waiting bool
		var n int
		if err := rows.Scan(&status, &delivery, &class, &waiting, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("riverbulk: status: %w", err)
		}
		st.Total += n
		st.ByStatus[bulk.Status(status)] += n
		switch {
		case waiting:
			st.Waiting += n
		case status == string(StatusPending) || status == string(bulk.StatusSending):
			st.Remaining += n
		}
		switch bulk.Delivery(delivery) {
		case bulk.DeliveryDelivered:
			st.Delivered += n
		case bulk.DeliveryFailed:
			st.Failed += n
			if st.Failures == nil {
				st.Failures = map[crispwa.FailureClass]int{}
			}
			st.Failures[crispwa.FailureClass(class)] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT template || ' (' || language || '): ' || reason FROM crispwa_paused_templates
		WHERE campaign = $1 ORDER BY template, language`, campaign)
	if err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	if st.PausedTemplates, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT key FROM crispwa_recipients WHERE campaign = $1 AND status = 'unknown'
		ORDER BY key LIMIT 1000`, campaign)
	if err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	if st.Unknown, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("riverbulk: status: %w", err)
	}
	return st, nil
}

// ErrNoCampaign is returned for a campaign the database does not have.
var ErrNoCampaign = errors.New("no such campaign")

// ErrNotUnknown is returned by Resolve for a key whose outcome is not
// unknown: only unknown outcomes are settled by hand.
var ErrNotUnknown = errors.New("outcome not unknown")

// Resolve settles the unknown outcome of key in campaign, once an operator
// has checked in Crisp whether the message went out: sent records it as
// accepted; not sent makes it pending again, with a new job, so that the
// workers send it. It fails with ErrNotUnknown for a key whose outcome is
// known (or is not in the campaign) and changes nothing then.
func (s *Store) Resolve(ctx context.Context, campaign, key string, sent bool) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var round int
		var to string
		err := tx.QueryRow(ctx, `SELECT round, to_number FROM crispwa_recipients
			WHERE campaign = $1 AND key = $2 AND status = 'unknown' FOR UPDATE`, campaign, key).Scan(&round, &to)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("riverbulk: resolve %q: %w", key, ErrNotUnknown)
		}
		if err != nil {
			return fmt.Errorf("riverbulk: resolve: %w", err)
		}
		if sent {
			_, err = tx.Exec(ctx, `UPDATE crispwa_recipients SET status = 'accepted', resolved = true,
				reason = 'resolved by an operator: sent', updated_at = now() WHERE campaign = $1 AND key = $2`, campaign, key)
		} else {
			err = s.reschedule(ctx, tx, campaign, key, round, to, 0)
		}
		if err != nil {
			return fmt.Errorf("riverbulk: resolve: %w", err)
		}
		return nil
	})
}

// Recipient is one row of a campaign, as Recipients reports it.
type Recipient struct {
	Key       string
	To        string // canonical number
	Status    bulk.Status
	RequestID string
	Reason    string
	Delivery  bulk.Delivery
	Class     crispwa.FailureClass // of a failed delivery
	Updated   time.Time
}

// Recipients returns the rows of campaign whose status is one of statuses
// (all when none), ordered by key.
func (s *Store) Recipients(ctx context.Context, campaign string, statuses ...bulk.Status) ([]Recipient, error) {
	want := make([]string, len(statuses))
	for i, st := range statuses {
		want[i] = string(st)
	}
	rows, err := s.pool.Query(ctx, `SELECT key, to_number, status, coalesce(request_id, ''), coalesce(reason, ''), delivery,
			coalesce(failure_class, ''), updated_at
		FROM crispwa_recipients WHERE campaign = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2)) ORDER BY key`, campaign, want)
	if err != nil {
		return nil, fmt.Errorf("riverbulk: recipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recipient, error) {
		var x Recipient
		var status, delivery, class string
		err := r.Scan(&x.Key, &x.To, &status, &x.RequestID, &x.Reason, &delivery, &class, &x.Updated)
		x.Status, x.Delivery, x.Class = bulk.Status(status), bulk.Delivery(delivery), crispwa.FailureClass(class)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("riverbulk: recipients: %w", err)
	}
	return out, nil
}

// Release lifts what held campaign's jobs once the cause is fixed: the
// stop of an account failure and the paused templates. Its held rows
// become pending again, each with a new job, and are sent. It returns how
// many rows it released.
func (s *Store) Release(ctx context.Context, campaign string) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE crispwa_campaigns SET stopped_reason = NULL, stopped_at = NULL, stop_shared = false WHERE name = $1", campaign); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM crispwa_paused_templates WHERE campaign = $1", campaign); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE crispwa_recipients SET status = 'pending', round = round + 1, reason = NULL, updated_at = now()
			WHERE campaign = $1 AND status = 'held' RETURNING key, round`, campaign)
		if err != nil {
			return err
		}
		var params []river.InsertManyParams
		for rows.Next() {
			var a SendArgs
			if err := rows.Scan(&a.Key, &a.Round); err != nil {
				rows.Close()
				return err
			}
			a.Campaign = campaign
			params = append(params, river.InsertManyParams{Args: a})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(params)
		if n == 0 {
			return nil
		}
		_, err = s.river.InsertManyTx(ctx, tx, params)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("riverbulk: release: %w", err)
	}
	return n, nil
}
