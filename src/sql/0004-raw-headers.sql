-- crm schema, version 4: the row kept as read (raw) is a JSON array of the
-- values, and its header names are kept once per distinct header list in
-- raw_headers, not on every row (they were most of the bytes an import
-- wrote). The views *_raw give the header -> value object as before.
-- Documented in crm-schema(5).

-- One row per distinct list of header names, as a JSON array in file
-- order (a repeated header as "name (2)"). Rows are only ever added.
CREATE TABLE raw_headers (
	id    INTEGER PRIMARY KEY,
	names TEXT NOT NULL UNIQUE CHECK (json_valid(names))
);

ALTER TABLE source_records ADD COLUMN raw_headers INTEGER REFERENCES raw_headers(id);
ALTER TABLE orders ADD COLUMN raw_headers INTEGER REFERENCES raw_headers(id);
ALTER TABLE interactions ADD COLUMN raw_headers INTEGER REFERENCES raw_headers(id);

-- Rows kept as header -> value objects before version 4 become arrays. A
-- temporary table holds each row's names and values in their order.
CREATE TEMP TABLE crm_raw_split AS
	SELECT 'source_records' AS tbl, t.id AS id,
	       (SELECT json_group_array(key) FROM (SELECT key FROM json_each(t.raw) ORDER BY id)) AS names,
	       (SELECT json_group_array(value) FROM (SELECT value FROM json_each(t.raw) ORDER BY id)) AS vals
	FROM source_records t WHERE json_type(t.raw) = 'object'
	UNION ALL
	SELECT 'orders', t.id,
	       (SELECT json_group_array(key) FROM (SELECT key FROM json_each(t.raw) ORDER BY id)),
	       (SELECT json_group_array(value) FROM (SELECT value FROM json_each(t.raw) ORDER BY id))
	FROM orders t WHERE json_type(t.raw) = 'object'
	UNION ALL
	SELECT 'interactions', t.id,
	       (SELECT json_group_array(key) FROM (SELECT key FROM json_each(t.raw) ORDER BY id)),
	       (SELECT json_group_array(value) FROM (SELECT value FROM json_each(t.raw) ORDER BY id))
	FROM interactions t WHERE json_type(t.raw) = 'object';
INSERT OR IGNORE INTO raw_headers(names) SELECT names FROM crm_raw_split;
UPDATE source_records SET
	raw = (SELECT vals FROM crm_raw_split s WHERE s.tbl = 'source_records' AND s.id = source_records.id),
	raw_headers = (SELECT h.id FROM crm_raw_split s JOIN raw_headers h ON h.names = s.names
		       WHERE s.tbl = 'source_records' AND s.id = source_records.id)
	WHERE json_type(raw) = 'object';
UPDATE orders SET
	raw = (SELECT vals FROM crm_raw_split s WHERE s.tbl = 'orders' AND s.id = orders.id),
	raw_headers = (SELECT h.id FROM crm_raw_split s JOIN raw_headers h ON h.names = s.names
		       WHERE s.tbl = 'orders' AND s.id = orders.id)
	WHERE json_type(raw) = 'object';
UPDATE interactions SET
	raw = (SELECT vals FROM crm_raw_split s WHERE s.tbl = 'interactions' AND s.id = interactions.id),
	raw_headers = (SELECT h.id FROM crm_raw_split s JOIN raw_headers h ON h.names = s.names
		       WHERE s.tbl = 'interactions' AND s.id = interactions.id)
	WHERE json_type(raw) = 'object';
DROP TABLE temp.crm_raw_split;

-- The row as read, header -> value, for people and tools that query it.
CREATE VIEW source_records_raw AS
	SELECT s.id, s.source, s.source_key, s.customer_id, s.run_id,
	       CASE WHEN s.raw IS NOT NULL THEN
		       (SELECT json_group_object(h.value, v.value)
			FROM json_each(r.names) h JOIN json_each(s.raw) v ON v.key = h.key)
	       END AS raw
	FROM source_records s LEFT JOIN raw_headers r ON r.id = s.raw_headers;
CREATE VIEW orders_raw AS
	SELECT o.id, o.customer_id, o.source, o.order_key, o.line, o.run_id,
	       CASE WHEN o.raw IS NOT NULL THEN
		       (SELECT json_group_object(h.value, v.value)
			FROM json_each(r.names) h JOIN json_each(o.raw) v ON v.key = h.key)
	       END AS raw
	FROM orders o LEFT JOIN raw_headers r ON r.id = o.raw_headers;
CREATE VIEW interactions_raw AS
	SELECT i.id, i.customer_id, i.source, i.source_key, i.run_id,
	       CASE WHEN i.raw IS NOT NULL THEN
		       (SELECT json_group_object(h.value, v.value)
			FROM json_each(r.names) h JOIN json_each(i.raw) v ON v.key = h.key)
	       END AS raw
	FROM interactions i LEFT JOIN raw_headers r ON r.id = i.raw_headers;
