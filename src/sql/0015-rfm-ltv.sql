-- crm schema, version 15: crm rfm --ltv --save keeps, beside each
-- customer's scores, what the model predicted over the horizon: purchase
-- days expected, the probability of being alive, the expected value of a
-- purchase, the predicted value and the LTV (value to date, monetary,
-- plus the predicted value); money in ten-thousandths as everywhere. The
-- snapshot keeps the fitted model (rfm_snapshots.ltv). NULL in snapshots
-- saved without --ltv, and in those of before.
ALTER TABLE rfm_scores ADD COLUMN expected_purchases REAL;
ALTER TABLE rfm_scores ADD COLUMN p_alive REAL CHECK (p_alive IS NULL OR p_alive BETWEEN 0 AND 1);
ALTER TABLE rfm_scores ADD COLUMN expected_aov INTEGER;
ALTER TABLE rfm_scores ADD COLUMN predicted_value INTEGER;
ALTER TABLE rfm_scores ADD COLUMN ltv INTEGER;
ALTER TABLE rfm_snapshots ADD COLUMN ltv TEXT CHECK (ltv IS NULL OR json_valid(ltv));
