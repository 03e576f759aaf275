-- crm schema, version 6: the reference from changes to runs is checked at
-- commit (DEFERRABLE INITIALLY DEFERRED) instead of after each statement.
-- With an immediate foreign key SQLite keeps a statement journal for every
-- multi-row INSERT into changes, a copy of each page the statement finds:
-- for a cleanse of 200,000 customers that was 0.5 GB of copying, beside
-- 0.7 GB written to the database. The reference is still enforced: a
-- transaction that leaves a change without its run does not commit.
--
-- Only the constraint changes, nothing stored, so the table is not rebuilt
-- (a log may hold millions of rows): its SQL is edited in sqlite_schema,
-- which SQLite documents for such changes. The guard fails the migration
-- unless the text to edit is there exactly once, with no deferral yet.
CREATE TEMP TABLE crm_guard (ok INTEGER CHECK (ok));
INSERT INTO crm_guard
	SELECT length(sql) - length(replace(sql, 'REFERENCES runs(id)', ''))
		= length('REFERENCES runs(id)') AND instr(upper(sql), 'DEFERRABLE') = 0
	FROM sqlite_schema WHERE type = 'table' AND name = 'changes';
INSERT INTO crm_guard SELECT count(*) = 1 FROM crm_guard;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
	SET sql = replace(sql, 'REFERENCES runs(id)', 'REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED')
	WHERE type = 'table' AND name = 'changes';
-- Rereads the schema, and turns writable_schema off.
PRAGMA writable_schema = RESET;
DROP TABLE crm_guard;
-- Any change of the schema moves its cookie: other connections reread it.
CREATE INDEX crm_schema_bump ON runs(id);
DROP INDEX crm_schema_bump;
