-- crm schema, version 14: who was in a segment when: crm segment snapshot
-- keeps the members of a segment as they were, one row of
-- segment_snapshots per run (the segment's name and the expression it had
-- then) and one row of segment_members per customer, so that crm segment
-- diff can say who entered and who left. Only ever added by that run: a
-- revert removes them. A member row names the customer as it was; merged
-- since, it stays with the merged row (history), and diff follows it to
-- the survivor.
CREATE TABLE segment_snapshots (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL UNIQUE REFERENCES runs(id),
	segment    TEXT NOT NULL,
	definition TEXT NOT NULL,
	as_of      TEXT NOT NULL,
	customers  INTEGER NOT NULL CHECK (customers >= 0)
);
CREATE INDEX segment_snapshots_segment ON segment_snapshots(segment, run_id);

CREATE TABLE segment_members (
	id          INTEGER PRIMARY KEY,
	snapshot_id INTEGER NOT NULL REFERENCES segment_snapshots(id),
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	UNIQUE (snapshot_id, customer_id)
);
CREATE INDEX segment_members_customer ON segment_members(customer_id);

-- A customer's last (or first) order line that is not a cancellation or
-- a return, which segments ask of every customer (last_order, dormant),
-- is found in the index alone when it holds the status too.
DROP INDEX orders_customer_time;
CREATE INDEX orders_customer_time ON orders(customer_id, ordered_at, status);
