/*
 * The SQL the crm log modules share, built from the customer catalogue:
 * see logsql.h.
 */
#include <string.h>

#include "customer.h"
#include "logsql.h"
#include "banned.h"

int crm_log_sql_fill(struct crm_strbuf *sb, const char *tmpl, const char *part)
{
	const char *at = strstr(tmpl, CRM_LOG_PART);

	if (!at)
		return crm_strbuf_addstr(sb, tmpl);
	if (crm_strbuf_add(sb, tmpl, (size_t)(at - tmpl)) || crm_strbuf_addstr(sb, part))
		return -1;
	return crm_strbuf_addstr(sb, at + strlen(CRM_LOG_PART));
}

enum crm_status crm_log_sql_of(const char *tmpl, int q, crm_log_part_fn *part_of,
			       struct crm_strbuf *sql, struct crm_error *err)
{
	struct crm_strbuf part = CRM_STRBUF_INIT;
	int bad = part_of(q, &part) || crm_log_sql_fill(sql, tmpl, part.buf);

	crm_strbuf_release(&part);
	return bad ? crm_error_nomem(err) : CRM_OK;
}

enum crm_status crm_log_sql_prepare(struct crm_db *db, const char *tmpl, int q,
				    crm_log_part_fn *part_of, struct crm_stmt **out,
				    struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s = crm_log_sql_of(tmpl, q, part_of, &sql, err);

	*out = NULL;
	if (!s)
		s = crm_stmt_prepare(db, sql.buf, out, err);
	crm_strbuf_release(&sql);
	return s;
}

int crm_log_sql_rows(struct crm_strbuf *sb, const char *who, unsigned skip)
{
	const struct crm_customer_table *t;
	int bad = 0, n = 0;

	for (t = crm_customer_tables; !bad && t->tbl; t++) {
		if (t->flags & skip)
			continue;
		bad = crm_strbuf_addf(sb, "%sSELECT '%s', id FROM \"%s\" WHERE \"%s\" IN %s",
				      n++ ? " UNION ALL " : "", t->tbl, t->tbl, t->column, who);
	}
	return bad;
}

int crm_log_sql_customer_of(struct crm_strbuf *sb, const char *tbl, const char *row)
{
	const struct crm_customer_table *t;
	int bad = crm_strbuf_addf(sb, "CASE %s", tbl);

	/* The customers row is its own customer, even once it is gone. */
	for (t = crm_customer_tables; !bad && t->tbl; t++)
		if (t->flags & CRM_CT_SELF)
			bad = crm_strbuf_addf(sb, " WHEN '%s' THEN %s", t->tbl, row);
		else
			bad = crm_strbuf_addf(sb, " WHEN '%s' THEN (SELECT \"%s\" FROM \"%s\""
					      " WHERE id = %s)", t->tbl, t->column, t->tbl, row);
	return bad || crm_strbuf_addstr(sb, " END") ? -1 : 0;
}
