-- crm schema, version 10: a run records the process that ran it.
--
-- A run is recorded 'running' when it starts and gets its end when it
-- finishes. A run killed (kill -9, a power cut) never finishes: with the
-- host and process id, crm log tells it from a live one and shows it as
-- killed. NULL for runs recorded before this version.
ALTER TABLE runs ADD COLUMN pid INTEGER;
