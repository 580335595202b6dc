package bulk

import (
	"github.com/crispwa/crispwa"
)

// WithObserver makes the Runner report the outcome of each recipient's send
// to o's CampaignOutcome (see crispwa.Observer), so that unknown outcomes
// can be counted while they are unresolved: package crispwaotel's
// BulkOption gives one that keeps the crispwa.bulk.unknown metric. The
// sends themselves are observed by the Client's own observer
// (crispwa.WithObserver). Nil, the default, reports nothing.
func WithObserver(o *crispwa.Observer) Option {
	return optionFunc(func(c *config) error {
		c.observer = o
		return nil
	})
}

// wasUnknown reports whether key's recorded outcome is unknown, when an
// Observer wants to hear of outcomes.
func (c *campaign) wasUnknown(key string) bool {
	if o := c.r.cfg.observer; o == nil || o.CampaignOutcome == nil {
		return false
	}
	e, _ := c.r.journal.Lookup(key)
	return e.Status == StatusUnknown
}

// observe reports the outcome of one send (err as Templates.Send returned
// it) to the Observer.
func (c *campaign) observe(err error, wasUnknown bool) {
	if o := c.r.cfg.observer; o != nil && o.CampaignOutcome != nil {
		o.CampaignOutcome(c.send, crispwa.CampaignOutcome{Outcome: crispwa.SendOutcomeOf(err), WasUnknown: wasUnknown})
	}
}
