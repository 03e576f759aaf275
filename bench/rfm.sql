-- crm rfm's default scores (crm-rfm(1): as of the day after the latest
-- order, --returns net, --method rank, 5 bins, scheme rfm11) as one SQL
-- query over a crm database: the baseline of bench/rfm.sh, and the
-- reference tests/cli/t0050-rfm.sh holds crm rfm to. Prints, per customer
-- scored in id order: id|last_purchase|recency_days|frequency|monetary
-- (ten-thousandths)|r|f|m|segment.
WITH RECURSIVE
  -- every customer and the survivor it stands for now
  surv(id, root) AS (
    SELECT id, id FROM customers WHERE merged_into IS NULL
    UNION ALL
    SELECT c.id, s.root FROM customers c JOIN surv s ON c.merged_into = s.id
  ),
  dated AS (
    SELECT customer_id, source, order_key, substr(ordered_at, 1, 10) AS day, amount, status
      FROM orders
     WHERE ordered_at IS NOT NULL AND date(substr(ordered_at, 1, 10)) IS NOT NULL
  ),
  as_of AS (SELECT date(max(day), '+1 day') AS d FROM dated),
  agg AS (
    SELECT s.root AS id,
           max(CASE WHEN l.status = 'ok' THEN l.day END) AS last,
           count(DISTINCT CASE WHEN l.status = 'ok'
                               THEN l.source || char(31) || l.order_key END) AS frequency,
           sum(CASE WHEN l.status = 'ok' THEN coalesce(l.amount, 0)
                    ELSE -abs(coalesce(l.amount, 0)) END) AS monetary
      FROM dated l JOIN surv s ON s.id = l.customer_id
     GROUP BY s.root
    HAVING count(CASE WHEN l.status = 'ok' THEN 1 END) > 0
  ),
  v AS (
    SELECT id, last, CAST(julianday((SELECT d FROM as_of)) - julianday(last) AS INTEGER)
             AS recency, frequency, monetary
      FROM agg
  ),
  n AS (SELECT count(*) AS n FROM v),
  scored AS (
    SELECT v.*,
           1 + 5 * (rank() OVER (ORDER BY recency DESC) - 1) / (SELECT n FROM n) AS r,
           1 + 5 * (rank() OVER (ORDER BY frequency) - 1) / (SELECT n FROM n) AS f,
           1 + 5 * (rank() OVER (ORDER BY monetary) - 1) / (SELECT n FROM n) AS m
      FROM v
  )
SELECT id, last, recency, frequency, monetary, r, f, m,
       CASE r * 10 + (f + m + 1) / 2
         WHEN 55 THEN 'Champions' WHEN 54 THEN 'Champions' WHEN 45 THEN 'Champions'
         WHEN 53 THEN 'Loyal Customers' WHEN 44 THEN 'Loyal Customers'
         WHEN 35 THEN 'Loyal Customers' WHEN 34 THEN 'Loyal Customers'
         WHEN 52 THEN 'Potential Loyalist' WHEN 42 THEN 'Potential Loyalist'
         WHEN 33 THEN 'Potential Loyalist' WHEN 43 THEN 'Potential Loyalist'
         WHEN 51 THEN 'New Customers'
         WHEN 41 THEN 'Promising' WHEN 31 THEN 'Promising'
         WHEN 32 THEN 'Need Attention' WHEN 23 THEN 'Need Attention'
         WHEN 22 THEN 'Need Attention'
         WHEN 21 THEN 'About To Sleep'
         WHEN 25 THEN 'At Risk' WHEN 24 THEN 'At Risk' WHEN 13 THEN 'At Risk'
         WHEN 15 THEN 'Can''t Lose Them' WHEN 14 THEN 'Can''t Lose Them'
         WHEN 12 THEN 'Hibernating'
         WHEN 11 THEN 'Lost'
       END
  FROM scored
 ORDER BY id;
