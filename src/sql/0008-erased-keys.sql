-- crm schema, version 8: an erased person does not come back unasked.
--
-- After `crm log forget`, importing the same file again re-created the
-- person. Each source:key of an erased person is kept as a keyed hash
-- (HMAC-SHA256 under erasure_key, a random key of this database), never
-- as the key itself; import refuses to create a record whose key is
-- there, unless told to with --allow-erased.
CREATE TABLE IF NOT EXISTS erasure_key (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	key BLOB NOT NULL CHECK (length(key) = 32)
);
CREATE TABLE IF NOT EXISTS erased_keys (
	hash         BLOB PRIMARY KEY CHECK (length(hash) = 32),
	tombstone_id INTEGER NOT NULL REFERENCES tombstones(id)
) WITHOUT ROWID;
