-- 0001: the inventory ledger. Applied by Migrate with search_path set to
-- the store's schema, inside the migration transaction.

-- Running balances. Sellable may go negative (recording writes are never
-- refused); the held buckets reserved (2), quarantine (3) and in_transit (4)
-- never may. World accounts (5..7) hold any balance.
CREATE TABLE balances (
	sku      text     NOT NULL,
	location text     NOT NULL,
	bucket   smallint NOT NULL,
	peer     text     NOT NULL DEFAULT '',
	qty      bigint   NOT NULL,
	PRIMARY KEY (sku, location, bucket, peer),
	CONSTRAINT balances_bucket_valid CHECK (bucket BETWEEN 1 AND 7),
	CONSTRAINT balances_qty_bounded CHECK (qty BETWEEN -1000000000000000 AND 1000000000000000),
	CONSTRAINT balances_held_nonnegative CHECK (bucket NOT IN (2, 3, 4) OR qty >= 0)
);

-- The entries of the ledger, numbered from 1 without gaps. body holds the
-- encoded kind, time, references, postings, availability and flagged accounts.
CREATE TABLE entries (
	seq  bigint PRIMARY KEY,
	kind text   NOT NULL,
	body bytea  NOT NULL,
	CONSTRAINT entries_seq_positive CHECK (seq > 0)
);

-- The one row that hands out sequence numbers: locked by the first append
-- of a transaction, so entries are numbered in commit order.
CREATE TABLE ledger_head (
	id  int    PRIMARY KEY,
	seq bigint NOT NULL,
	CONSTRAINT ledger_head_one_row CHECK (id = 1),
	CONSTRAINT ledger_head_seq_nonnegative CHECK (seq >= 0)
);
INSERT INTO ledger_head (id, seq) VALUES (1, 0);

-- Reservations; body holds the owner, lines and times. Times are unix
-- nanoseconds (timestamptz keeps only microseconds).
CREATE TABLE reservations (
	id         text   PRIMARY KEY,
	state      text   NOT NULL,
	expires_at bigint,
	body       bytea  NOT NULL,
	CONSTRAINT reservations_state_valid CHECK (state IN ('active', 'committed', 'released', 'expired'))
);
CREATE INDEX reservations_due ON reservations (expires_at, id)
	WHERE state = 'active' AND expires_at IS NOT NULL;

CREATE TABLE idempotency (
	key         text   PRIMARY KEY,
	fingerprint text   NOT NULL,
	seq         bigint NOT NULL,
	reservation text   NOT NULL DEFAULT ''
);

CREATE TABLE safety_stocks (
	sku      text   NOT NULL,
	location text   NOT NULL,
	qty      bigint NOT NULL,
	PRIMARY KEY (sku, location),
	CONSTRAINT safety_stocks_qty_bounded CHECK (qty > 0 AND qty <= 1000000000000000)
);

-- Maintained, unshaped channel sums, keyed by SKU first so that a command
-- loads the sums of its SKUs with one index range scan.
CREATE TABLE channel_raws (
	sku     text   NOT NULL,
	channel text   NOT NULL,
	raw     bigint NOT NULL,
	PRIMARY KEY (sku, channel),
	CONSTRAINT channel_raws_raw_bounded CHECK (raw BETWEEN 0 AND 1000000000000000)
);

CREATE TABLE locations (
	id           text             PRIMARY KEY,
	name         text             NOT NULL,
	type         text             NOT NULL,
	lat          double precision NOT NULL,
	lng          double precision NOT NULL,
	capabilities smallint         NOT NULL
);

CREATE TABLE channels (
	id              text   PRIMARY KEY,
	name            text   NOT NULL,
	pool            text[] NOT NULL,
	buffer_percent  bigint NOT NULL,
	buffer_units    bigint NOT NULL,
	cap             bigint NOT NULL,
	store_threshold bigint NOT NULL
);

CREATE TABLE skus (
	sku text PRIMARY KEY
);

-- lock_keys takes transaction-scoped advisory locks on keys in the order
-- given (the caller sorts them), one statement for any number of keys.
CREATE FUNCTION lock_keys(keys bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	k bigint;
BEGIN
	FOREACH k IN ARRAY keys LOOP
		PERFORM pg_advisory_xact_lock(k);
	END LOOP;
END
$$;
