-- crm schema, version 12: the matching model a full crm dedupe --apply
-- fitted, so that the nightly crm dedupe --since compares the night's
-- customers with the pairs they are in alone, and scores them with it,
-- instead of fitting a model on every pair again. Only ever added by the
-- run that fitted it (a revert of that run removes it); the latest row is
-- the model in use.
CREATE TABLE dedupe_models (
	id        INTEGER PRIMARY KEY,
	run_id    INTEGER NOT NULL REFERENCES runs(id),
	-- customers and candidate pairs it was fitted on
	customers INTEGER NOT NULL CHECK (customers >= 0),
	pairs     INTEGER NOT NULL CHECK (pairs >= 0),
	-- log2 of the prior odds that two customers are one person
	prior     REAL NOT NULL,
	-- per field compared: [[m, u], ...] by level, level 0 (missing) first
	fields    TEXT NOT NULL CHECK (json_valid(fields))
);
