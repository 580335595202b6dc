package riverbulk

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLock is the key of the advisory lock Migrate holds, so that
// several processes starting at once on an empty database migrate it one
// after the other ("crispwa" in ASCII).
const migrationLock = 0x63726973707761

// migrations are this package's schema steps, applied in order and recorded
// in crispwa_migrations. Append only: never edit a step once released.
var migrations = []string{
	1: `
CREATE TABLE crispwa_campaigns (
	name           text PRIMARY KEY,
	quiet_start    integer,              -- minutes after local midnight; NULL: no quiet hours
	quiet_end      integer,
	stopped_reason text,                 -- set: the campaign is stopped (an account failure)
	stopped_at     timestamptz,
	created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE crispwa_recipients (
	campaign        text NOT NULL REFERENCES crispwa_campaigns(name),
	key             text NOT NULL,
	to_number       text NOT NULL,       -- canonical +E.164
	template        text NOT NULL,
	language        text NOT NULL,
	request         jsonb NOT NULL,      -- the SendTemplateRequest
	send_at         timestamptz,         -- the job's scheduled time, when not at once
	status          text NOT NULL DEFAULT 'pending',
	request_id      text,
	reason          text,
	http_status     integer,
	resolved        boolean NOT NULL DEFAULT false,
	delivery        text NOT NULL DEFAULT '',
	delivery_reason text,
	failure_class   text,
	failure_code    integer,
	retry_after_ms  bigint,
	round           integer NOT NULL DEFAULT 0, -- bumped by each reschedule (a new River job)
	updated_at      timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (campaign, key),
	UNIQUE (campaign, template, language, to_number)
);
CREATE UNIQUE INDEX crispwa_recipients_request_id ON crispwa_recipients (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX crispwa_recipients_status ON crispwa_recipients (campaign, status);
CREATE TABLE crispwa_pending_callbacks (
	request_id  text PRIMARY KEY,
	event       jsonb NOT NULL,
	received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE crispwa_paused_templates (
	campaign  text NOT NULL,
	template  text NOT NULL,
	language  text NOT NULL,
	reason    text NOT NULL,
	paused_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (campaign, template, language)
);
CREATE TABLE crispwa_suppressions (
	number   text PRIMARY KEY,           -- canonical +E.164
	reason   text NOT NULL DEFAULT '',
	added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE crispwa_rate (
	website_id      text PRIMARY KEY,
	next_slot_us    bigint NOT NULL DEFAULT 0, -- start of the next free slot, µs since the epoch (the database's clock)
	paused_until_us bigint NOT NULL DEFAULT 0
);`,
	2: `
CREATE TABLE crispwa_stops (            -- bulk.Stopper: the account stops of each website
	website_id text PRIMARY KEY,
	stops      bigint NOT NULL DEFAULT 0,
	reason     text NOT NULL DEFAULT ''
);
-- true once the campaign's stop was told to the workers' bulk.Stopper (or came from it)
ALTER TABLE crispwa_campaigns ADD COLUMN stop_shared boolean NOT NULL DEFAULT true;
ALTER TABLE crispwa_campaigns ALTER COLUMN stop_shared SET DEFAULT false;`,
}

// SchemaVersion is the version of this package's schema that Migrate
// brings a database to.
var SchemaVersion = len(migrations) - 1

// Migrate creates or upgrades, in the database of pool, River's schema
// (through rivermigrate) and this package's (its own versioned steps,
// recorded in crispwa_migrations). It holds a PostgreSQL advisory lock
// meanwhile, so several processes may call it at once on an empty database:
// one migrates, the others wait and find nothing left to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("riverbulk: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("riverbulk: migrate: taking the migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	}()

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("riverbulk: migrate river: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverbulk: migrate river: %w", err)
	}
	return pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS crispwa_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("riverbulk: migrate: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM crispwa_migrations").Scan(&current); err != nil {
			return fmt.Errorf("riverbulk: migrate: %w", err)
		}
		if current > SchemaVersion {
			return fmt.Errorf("riverbulk: the database's schema is version %d, newer than this program's %d: upgrade the program", current, SchemaVersion)
		}
		for v := current + 1; v <= SchemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("riverbulk: migrate to version %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO crispwa_migrations (version) VALUES ($1)", v); err != nil {
				return fmt.Errorf("riverbulk: migrate to version %d: %w", v, err)
			}
		}
		return nil
	})
}
