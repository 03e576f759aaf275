-- crm schema, version 11: what a person decided about a pair that crm
-- dedupe proposed (crm dedupe --decisions), so that a pair decided
-- 'different' is never proposed again, and a 'same' pair is on record
-- beside the merge it made.
--
-- Each decision is two rows, one for each customer of the pair, so that
-- every row belongs to one customer as the customer catalogue has it: a
-- revert takes both, an erasure of a customer takes that customer's row.
-- other_id names the other customer by number only, and has no foreign
-- key: the other may be erased.
CREATE TABLE dedupe_decisions (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	other_id    INTEGER NOT NULL CHECK (other_id <> customer_id),
	decision    TEXT NOT NULL CHECK (decision IN ('same', 'different')),
	run_id      INTEGER REFERENCES runs(id),
	UNIQUE (customer_id, other_id)
);
