-- crm schema, version 8: an id, once used, never names another row.
--
-- SQLite gives a new row the largest id + 1. When a revert or an erasure
-- removed the newest rows, their ids went to the next rows inserted, and
-- one customer's history showed another person's changes. id_floors keeps,
-- for each table the log can touch, the largest id it ever had; a trigger
-- raises it whenever a row goes (whoever deletes it, crm or a user's own
-- SQL), and crm gives new rows ids above it (crm_id_next in customer.h).
-- AUTOINCREMENT would do the same, at the cost of a write per insert.
-- (IF NOT EXISTS: a database set back to an older user_version by hand, as
-- the tests do, migrates again without harm.)
CREATE TABLE IF NOT EXISTS id_floors (
	tbl  TEXT PRIMARY KEY,
	high INTEGER NOT NULL
);

-- Ids the log names were used, whether or not their rows are still there:
-- the first id of each logged change, and the last of each insert range.
INSERT INTO id_floors(tbl, high)
	SELECT tbl, max(h) FROM (
		SELECT tbl, max(row_id) AS h FROM changes GROUP BY tbl
		UNION ALL
		SELECT tbl, max(CAST(new_value AS INTEGER)) FROM changes
			WHERE op = 'insert' GROUP BY tbl)
	WHERE tbl IN ('customers', 'source_records', 'orders', 'interactions', 'segments',
		      'exports', 'rfm_scores', 'export_customers')
	GROUP BY tbl
	ON CONFLICT (tbl) DO UPDATE SET high = max(high, excluded.high);

CREATE TRIGGER IF NOT EXISTS customers_id_floor AFTER DELETE ON customers
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'customers'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('customers', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS source_records_id_floor AFTER DELETE ON source_records
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'source_records'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('source_records', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS orders_id_floor AFTER DELETE ON orders
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'orders'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('orders', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS interactions_id_floor AFTER DELETE ON interactions
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'interactions'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('interactions', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS segments_id_floor AFTER DELETE ON segments
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'segments'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('segments', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS exports_id_floor AFTER DELETE ON exports
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'exports'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('exports', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS rfm_scores_id_floor AFTER DELETE ON rfm_scores
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'rfm_scores'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('rfm_scores', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
CREATE TRIGGER IF NOT EXISTS export_customers_id_floor AFTER DELETE ON export_customers
	WHEN OLD.id > coalesce((SELECT high FROM id_floors WHERE tbl = 'export_customers'), 0)
BEGIN
	INSERT INTO id_floors(tbl, high) VALUES ('export_customers', OLD.id)
		ON CONFLICT (tbl) DO UPDATE SET high = excluded.high;
END;
