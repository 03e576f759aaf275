-- crm schema, version 7: every table the audit log can touch has a stable
-- integer id, so that a change names its row as (tbl, row_id) whatever
-- the table. rfm_scores and export_customers were keyed by pairs only.
-- Both are rebuilt with an id; the pair stays unique. The tables are empty
-- until rfm and export land, but the copy keeps any rows there are.
CREATE TABLE rfm_scores_v7 (
	id           INTEGER PRIMARY KEY,
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
	UNIQUE (run_id, customer_id)
);
INSERT INTO rfm_scores_v7(run_id, customer_id, as_of, recency_days, frequency, monetary,
	r_score, f_score, m_score, segment, thresholds)
	SELECT run_id, customer_id, as_of, recency_days, frequency, monetary,
	       r_score, f_score, m_score, segment, thresholds
	FROM rfm_scores ORDER BY run_id, customer_id;
DROP TABLE rfm_scores;
ALTER TABLE rfm_scores_v7 RENAME TO rfm_scores;
CREATE INDEX rfm_scores_customer ON rfm_scores(customer_id);

CREATE TABLE export_customers_v7 (
	id          INTEGER PRIMARY KEY,
	export_id   INTEGER NOT NULL REFERENCES exports(id),
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	UNIQUE (export_id, customer_id)
);
INSERT INTO export_customers_v7(export_id, customer_id)
	SELECT export_id, customer_id FROM export_customers ORDER BY export_id, customer_id;
DROP TABLE export_customers;
ALTER TABLE export_customers_v7 RENAME TO export_customers;
CREATE INDEX export_customers_customer ON export_customers(customer_id);
