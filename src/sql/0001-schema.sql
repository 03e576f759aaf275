-- crm schema, version 1. Documented in crm-schema(5): analysts query these
-- tables directly, so names change only by a new numbered migration.
--
-- Conventions: timestamps are UTC ISO 8601 text with milliseconds
-- (2025-07-23T09:15:02.123Z); dates are YYYY-MM-DD; flags are 0/1 or NULL
-- (unknown); money is INTEGER in ten-thousandths of the currency unit
-- (exact: 1500 yen is 15000000, 2.55 pounds is 25500); JSON columns hold
-- valid JSON or NULL.

CREATE TABLE customers (
	id            INTEGER PRIMARY KEY,
	name          TEXT,
	name_kana     TEXT,
	family_name   TEXT,
	given_name    TEXT,
	family_kana   TEXT,
	given_kana    TEXT,
	company       TEXT,
	department    TEXT,
	title         TEXT,
	email         TEXT,
	phone         TEXT,
	mobile        TEXT,
	postal_code   TEXT,
	prefecture    TEXT,
	city          TEXT,
	address       TEXT,
	country       TEXT,
	birthdate     TEXT,
	gender        TEXT,
	channel       TEXT,
	rank          TEXT,
	consent_email INTEGER CHECK (consent_email IN (0, 1)),
	consent_phone INTEGER CHECK (consent_phone IN (0, 1)),
	consent_post  INTEGER CHECK (consent_post IN (0, 1)),
	extra         TEXT CHECK (extra IS NULL OR json_valid(extra)),
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	merged_into   INTEGER REFERENCES customers(id)
);
CREATE INDEX customers_merged_into ON customers(merged_into)
	WHERE merged_into IS NOT NULL;

-- Where each record came from: (source, source_key) is one record of one
-- source system, raw is the row as read (header -> value).
CREATE TABLE source_records (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	source_key  TEXT NOT NULL,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	run_id      INTEGER REFERENCES runs(id),
	raw         TEXT,
	UNIQUE (source, source_key)
);
CREATE INDEX source_records_customer ON source_records(customer_id);

-- Purchase and contract lines. Returns and cancellations are kept, marked
-- by status, never dropped.
CREATE TABLE orders (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	source      TEXT NOT NULL,
	order_key   TEXT NOT NULL,
	line        INTEGER NOT NULL DEFAULT 1,
	ordered_at  TEXT,
	product     TEXT,
	unit_price  INTEGER,
	quantity    INTEGER,
	amount      INTEGER,
	status      TEXT NOT NULL DEFAULT 'ok'
		CHECK (status IN ('ok', 'cancelled', 'returned')),
	currency    TEXT,
	run_id      INTEGER REFERENCES runs(id),
	raw         TEXT CHECK (raw IS NULL OR json_valid(raw)),
	UNIQUE (source, order_key, line)
);
CREATE INDEX orders_customer_time ON orders(customer_id, ordered_at);

CREATE TABLE interactions (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	at          TEXT,
	kind        TEXT,
	channel     TEXT,
	subject     TEXT,
	body        TEXT,
	status      TEXT,
	owner       TEXT,
	source      TEXT,
	source_key  TEXT,
	run_id      INTEGER REFERENCES runs(id),
	raw         TEXT CHECK (raw IS NULL OR json_valid(raw)),
	UNIQUE (source, source_key)
);
CREATE INDEX interactions_customer_time ON interactions(customer_id, at);

-- One row per mutating command.
CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	command     TEXT NOT NULL,
	argv        TEXT NOT NULL CHECK (json_valid(argv)),
	actor       TEXT NOT NULL,
	host        TEXT NOT NULL,
	started_at  TEXT NOT NULL,
	finished_at TEXT,
	status      TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'ok', 'rejected', 'failed')),
	counts      TEXT CHECK (counts IS NULL OR json_valid(counts))
);
CREATE INDEX runs_started_at ON runs(started_at);

-- The audit trail. Updates are one row per changed field; deletes and
-- merges keep the whole old row as JSON in old_value. old_value and
-- new_value are declared without a type so that SQLite stores each value
-- with the type it had (text stays text, integers stay integers).
CREATE TABLE changes (
	id        INTEGER PRIMARY KEY,
	run_id    INTEGER NOT NULL REFERENCES runs(id),
	tbl       TEXT NOT NULL,
	row_id    INTEGER NOT NULL,
	op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'merge')),
	field     TEXT,
	old_value,
	new_value,
	hash      TEXT
);
CREATE INDEX changes_run ON changes(run_id);
CREATE INDEX changes_row ON changes(tbl, row_id);

-- Named segments and their definitions.
CREATE TABLE segments (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL DEFAULT 'rule',
	definition  TEXT,
	description TEXT,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

-- RFM scores, one snapshot per run, with the thresholds that run used.
CREATE TABLE rfm_scores (
	run_id       INTEGER NOT NULL REFERENCES runs(id),
	customer_id  INTEGER NOT NULL REFERENCES customers(id),
	as_of        TEXT NOT NULL,
	recency_days INTEGER,
	frequency    INTEGER,
	monetary     INTEGER,
	r_score      INTEGER,
	f_score      INTEGER,
	m_score      INTEGER,
	segment      TEXT,
	thresholds   TEXT CHECK (thresholds IS NULL OR json_valid(thresholds)),
	PRIMARY KEY (run_id, customer_id)
);
CREATE INDEX rfm_scores_customer ON rfm_scores(customer_id);

-- The record of provision: every export, who made it, for whom and why.
CREATE TABLE exports (
	id           INTEGER PRIMARY KEY,
	run_id       INTEGER REFERENCES runs(id),
	actor        TEXT NOT NULL,
	at           TEXT NOT NULL,
	purpose      TEXT,
	recipient    TEXT,
	filter       TEXT,
	columns      TEXT,
	row_count    INTEGER NOT NULL DEFAULT 0,
	customer_ids TEXT CHECK (customer_ids IS NULL OR json_valid(customer_ids))
);
-- Which customers each export included, so that a customer's history can
-- list the exports that carried their data without scanning every export.
CREATE TABLE export_customers (
	export_id   INTEGER NOT NULL REFERENCES exports(id),
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	PRIMARY KEY (export_id, customer_id)
);
CREATE INDEX export_customers_customer ON export_customers(customer_id);
