-- crm schema, version 13: one row per RFM snapshot that crm rfm --save
-- wrote, with how it scored and the thresholds it used, once per run
-- instead of in every row of rfm_scores (whose thresholds column stays
-- NULL from now on). Its customers' rows are those of rfm_scores with
-- the same run_id. Only ever added by that run: a revert removes it.
CREATE TABLE rfm_snapshots (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL UNIQUE REFERENCES runs(id),
	as_of      TEXT NOT NULL,
	method     TEXT NOT NULL CHECK (method IN ('rank', 'ntile', 'quantile')),
	bins       INTEGER NOT NULL CHECK (bins BETWEEN 2 AND 10),
	returns    TEXT NOT NULL CHECK (returns IN ('net', 'gross')),
	scheme     TEXT,
	customers  INTEGER NOT NULL CHECK (customers >= 0),
	thresholds TEXT NOT NULL CHECK (json_valid(thresholds))
);
