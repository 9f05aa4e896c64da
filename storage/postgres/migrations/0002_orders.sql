-- 0002: the orders store (see Orders). Applied by Migrate with search_path
-- set to the store's schema, inside the migration transaction.

-- Orders: body holds the whole orders.Order as JSON (json, not jsonb: it
-- is stored and read back whole, and json keeps any escaped string). The
-- other columns repeat what the queries look up, filter and sort on. Times
-- are unix nanoseconds; the zero time is the smallest bigint.
CREATE TABLE orders (
	id          text   PRIMARY KEY,
	version     bigint NOT NULL,
	state       text   NOT NULL,
	idem_key    text   NOT NULL,
	channel     text   NOT NULL,
	external_id text   NOT NULL,
	created_at  bigint NOT NULL,
	pickup_due  bigint,
	body        json   NOT NULL,
	CONSTRAINT orders_version_positive CHECK (version > 0)
);
CREATE UNIQUE INDEX orders_idem_key ON orders (idem_key) WHERE idem_key <> '';
CREATE UNIQUE INDEX orders_external ON orders (channel, external_id) WHERE external_id <> '';
CREATE INDEX orders_pending ON orders (created_at, id) WHERE state = 'pending';
CREATE INDEX orders_pickup_due ON orders (pickup_due, id) WHERE pickup_due IS NOT NULL;

-- The events of every order, numbered from 1 without gaps in commit order.
CREATE TABLE order_events (
	seq      bigint PRIMARY KEY,
	order_id text   NOT NULL,
	body     json   NOT NULL,
	CONSTRAINT order_events_seq_positive CHECK (seq > 0)
);
CREATE INDEX order_events_order ON order_events (order_id, seq);

-- The one row that hands out event numbers: a transaction appending events
-- locks it until its commit, so events are numbered in commit order.
CREATE TABLE order_event_head (
	id  int    PRIMARY KEY,
	seq bigint NOT NULL,
	CONSTRAINT order_event_head_one_row CHECK (id = 1),
	CONSTRAINT order_event_head_seq_nonnegative CHECK (seq >= 0)
);
INSERT INTO order_event_head (id, seq) VALUES (1, 0);
