import logging
import time

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from ..tools import locking, statement_triggers

_logger = logging.getLogger(__name__)

# Partners (or whole companies) whose attributed revenue may have changed since
# it was cached. Append-only: triggers insert, only the refresh job deletes, so
# concurrent transactions never update the same row.
#
# A mark names the partner of the changed document as the trigger saw it, not
# only its commercial partner: readers resolve a contact to its commercial
# partner in their own snapshot. A mark never depends on what the writing
# transaction could see of other tables (a customer acquired, a contact moved
# by a concurrent transaction), which could otherwise lose a change for good.
STALE_TABLE = "crm_closed_loop_stale_partner"

# Stale marks handled per transaction by the refresh job.
REFRESH_BATCH = 2000

# A customer invoice or credit note counts once posted.
_MOVE_COUNTS = "{t}.state = 'posted' AND {t}.move_type IN ('out_invoice', 'out_refund')"
# A POS order counts once paid, unless its invoice counts instead.
_POS_COUNTS = "{t}.state IN ('paid', 'done') AND {t}.account_move IS NULL"


def _mark(select, column="partner_id"):
    return (
        f"INSERT INTO {STALE_TABLE} ({column})"
        f" SELECT DISTINCT marked.id FROM ({select}) marked"
        f" WHERE marked.id IS NOT NULL"
    )


def _changed(columns):
    old = ", ".join(f"o.{column}" for column in columns)
    new = ", ".join(f"n.{column}" for column in columns)
    return f"ROW({old}) IS DISTINCT FROM ROW({new})"


def _both(*columns):
    # Rows whose relevant columns changed: each of the given partners.
    return (
        f"SELECT unnest(ARRAY[{', '.join(columns)}]) AS id"
        " FROM old_rows o JOIN new_rows n ON n.id = o.id"
    )


_MOVE_COLUMNS = (
    "state",
    "move_type",
    "amount_untaxed_signed",
    "invoice_date",
    "commercial_partner_id",
    "company_id",
)
_POS_COLUMNS = (
    "state",
    "amount_total",
    "amount_tax",
    "currency_rate",
    "partner_id",
    "date_order",
    "account_move",
    "company_id",
)
# The order's contact, and its commercial partner as of now: should the contact
# be deleted later, its mark alone would no longer lead anywhere.
_POS_PARTNERS = (
    "{t}.partner_id, (SELECT p.commercial_partner_id FROM res_partner p"
    " WHERE p.id = {t}.partner_id)"
)

# Statement-level triggers (tools/statement_triggers.py): table -> {event:
# plpgsql statement}.
_TRIGGERS = {
    "account_move": {
        "INSERT": _mark(
            "SELECT n.commercial_partner_id AS id FROM new_rows n"
            f" WHERE {_MOVE_COUNTS.format(t='n')}"
        ),
        "DELETE": _mark(
            "SELECT o.commercial_partner_id AS id FROM old_rows o"
            f" WHERE {_MOVE_COUNTS.format(t='o')}"
        ),
        # Posting updates a move many times: only a change of a column the
        # revenue reads, on a move that counts before or after, marks.
        "UPDATE": _mark(
            _both("o.commercial_partner_id", "n.commercial_partner_id")
            + f" WHERE {_changed(_MOVE_COLUMNS)}"
            f" AND (({_MOVE_COUNTS.format(t='o')}) OR ({_MOVE_COUNTS.format(t='n')}))"
        ),
    },
    "pos_order": {
        "INSERT": _mark(
            f"SELECT unnest(ARRAY[{_POS_PARTNERS.format(t='n')}]) AS id"
            f" FROM new_rows n WHERE {_POS_COUNTS.format(t='n')}"
        ),
        "DELETE": _mark(
            f"SELECT unnest(ARRAY[{_POS_PARTNERS.format(t='o')}]) AS id"
            f" FROM old_rows o WHERE {_POS_COUNTS.format(t='o')}"
        ),
        "UPDATE": _mark(
            _both(_POS_PARTNERS.format(t="o"), _POS_PARTNERS.format(t="n"))
            + f" WHERE {_changed(_POS_COLUMNS)}"
            f" AND (({_POS_COUNTS.format(t='o')}) OR ({_POS_COUNTS.format(t='n')}))"
        ),
    },
    # The POS orders of a contact count for its commercial partner.
    "res_partner": {
        "UPDATE": _mark(
            _both("o.commercial_partner_id", "n.commercial_partner_id", "n.id")
            + f" WHERE {_changed(['commercial_partner_id'])}"
            # Set for the first time just after the partner's creation, before
            # any document of it can exist.
            " AND o.commercial_partner_id IS NOT NULL"
        ),
        "DELETE": _mark(
            "SELECT unnest(ARRAY[o.commercial_partner_id, o.id]) AS id FROM old_rows o"
        ),
    },
    # A new window changes every acquisition of the company, including those a
    # concurrent transaction creates: the company is marked as a whole.
    "res_company": {
        "UPDATE": _mark(
            "SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id"
            f" WHERE {_changed(['crm_attribution_months'])}",
            column="company_id",
        ),
    },
    # The cache itself lives on these rows: only a change of what it depends on
    # marks, not the refresh job writing the cache.
    "crm_customer_acquisition": {
        "INSERT": _mark("SELECT n.partner_id AS id FROM new_rows n"),
        "DELETE": _mark("SELECT o.partner_id AS id FROM old_rows o"),
        "UPDATE": _mark(
            _both("o.partner_id", "n.partner_id")
            + f" WHERE {_changed(['partner_id', 'company_id', 'date'])}"
        ),
    },
}


def _function_name(table):
    return f"crm_closed_loop_{table}_mark_stale"


def _trigger_names(table):
    return {
        event: f"crm_closed_loop_{table}_{event.lower()}_mark_stale"
        for event in _TRIGGERS[table]
    }


def drop_revenue_triggers(cr):
    """Remove the triggers, their functions and the stale marks (uninstall)."""
    for table in _TRIGGERS:
        statement_triggers.drop(cr, table, _function_name(table), _trigger_names(table))
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(STALE_TABLE)))


class CrmCustomerAcquisition(models.Model):
    _inherit = "crm.customer.acquisition"

    attributed_revenue = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Revenue attributed to this acquisition so far, as last refreshed. "
        "The KPIs compute it live while the customer has changes not yet "
        "refreshed.",
    )

    # ------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------

    def init(self):
        result = super().init()
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %(table)s ("
                " id bigserial PRIMARY KEY, partner_id integer, company_id integer,"
                " CHECK (num_nonnulls(partner_id, company_id) = 1))",
                table=SQL.identifier(STALE_TABLE),
            )
        )
        # The statements are built from the module's constants above, no input.
        for table, events in _TRIGGERS.items():
            statement_triggers.install(
                cr,
                table,
                _function_name(table),
                {event: SQL(statement) for event, statement in events.items()},
                _trigger_names(table),
            )
        # On first install the company's window column may come after this
        # model; there is nothing to fill then.
        if column_exists(cr, "res_company", "crm_attribution_months"):
            self._fill_attributed_revenue()
        return result

    def _fill_attributed_revenue(self):
        """Compute the cache of every acquisition in one statement (install and
        upgrade), then drop the marks this transaction has seen: they are all
        reflected in what it computed."""
        started = time.monotonic()
        cr = self.env.cr
        cr.execute(self._refresh_sql(SQL("TRUE")))
        filled = cr.rowcount
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(STALE_TABLE)))
        self.invalidate_model(["attributed_revenue"])
        _logger.info(
            "Attributed revenue cached for %s acquisitions in %.1fs",
            filled,
            time.monotonic() - started,
        )

    def _refresh_sql(self, condition):
        """UPDATE the cache of the acquisitions matching ``condition`` (on
        alias ``a``), writing only the rows whose figure changed."""
        revenue = self.env["crm.closed.loop.marketing.report"]._attributed_revenue_sql()
        return SQL(
            """
            UPDATE crm_customer_acquisition t
               SET attributed_revenue = fresh.revenue
              FROM (SELECT a.id, %(revenue)s AS revenue
                      FROM crm_customer_acquisition a
                     WHERE %(condition)s) fresh
             WHERE t.id = fresh.id
               AND t.attributed_revenue IS DISTINCT FROM fresh.revenue
            """,
            revenue=revenue,
            condition=condition,
        )

    def _revenue_is_fresh_sql(self):
        """Condition on acquisition ``a``: its cache holds (filled, and no mark
        on its customer, on one of its contacts or on its company). Never NULL,
        so ``NOT`` of it selects exactly the others.

        A mark stands for the marked partner itself too: an acquired customer
        who has since joined a company resolves to that company, yet its own
        acquisition lost the POS orders it had."""
        return SQL(
            """(a.attributed_revenue IS NOT NULL
               AND NOT EXISTS (
                   SELECT 1 FROM %(table)s stale
                     LEFT JOIN res_partner p ON p.id = stale.partner_id
                    WHERE COALESCE(p.commercial_partner_id, stale.partner_id)
                          = a.partner_id)
               AND NOT EXISTS (
                   SELECT 1 FROM %(table)s stale
                    WHERE stale.partner_id = a.partner_id)
               AND NOT EXISTS (
                   SELECT 1 FROM %(table)s stale
                    WHERE stale.company_id = a.company_id))""",
            table=SQL.identifier(STALE_TABLE),
        )

    # ------------------------------------------------------------
    # Refresh job
    # ------------------------------------------------------------

    @api.model
    def _cron_refresh_attributed_revenue(self, batch_size=REFRESH_BATCH):
        """Recompute the cached revenue of the customers marked stale.

        Each batch takes the oldest marks with SKIP LOCKED (a second worker takes
        others), recomputes every acquisition of their partners and deletes those
        marks only: a mark written meanwhile is not visible to the batch's
        snapshot and survives for the next run. Rerunning with no mark changes
        nothing.
        """
        started = time.monotonic()
        done = 0
        while True:
            marks = self._lock_stale_marks(batch_size)
            if not marks:
                break
            self._refresh_marked(marks)
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE id = ANY(%s)",
                    SQL.identifier(STALE_TABLE),
                    [mark_id for mark_id, *_partners, _company in marks],
                )
            )
            done += len(marks)
            remaining = self._stale_mark_count()
            if not self.env["ir.cron"]._commit_progress(
                len(marks), remaining=remaining
            ):
                break
        _logger.info(
            "Attributed revenue refreshed for %s stale marks in %.1fs",
            done,
            time.monotonic() - started,
        )

    def _lock_stale_marks(self, limit):
        # A contact's mark stands for its commercial partner as of now, and
        # for itself (see _revenue_is_fresh_sql).
        return locking.lock_skipping_held(
            self.env,
            SQL(
                "SELECT stale.id, stale.partner_id, p.commercial_partner_id,"
                " stale.company_id"
                " FROM %s stale LEFT JOIN res_partner p ON p.id = stale.partner_id"
                " ORDER BY stale.id LIMIT %s FOR UPDATE OF stale SKIP LOCKED",
                SQL.identifier(STALE_TABLE),
                limit,
            ),
        )

    def _refresh_marked(self, marks):
        partner_ids = sorted(
            {partner for _id, *partners, _c in marks for partner in partners if partner}
        )
        company_ids = sorted({company for *_mark, company in marks if company})
        self._flush_revenue_sources()
        self.env.cr.execute(
            self._refresh_sql(
                SQL(
                    "(a.partner_id = ANY(%s) OR a.company_id = ANY(%s))",
                    partner_ids,
                    company_ids,
                )
            )
        )
        self.invalidate_model(["attributed_revenue"])

    def _stale_mark_count(self):
        return self.env.execute_query(
            SQL("SELECT COUNT(*) FROM %s", SQL.identifier(STALE_TABLE))
        )[0][0]

    def _flush_revenue_sources(self):
        """Write pending ORM values of everything the revenue reads: the
        triggers see them and the queries read them."""
        report = self.env["crm.closed.loop.marketing.report"]
        for model_name, field_names in report._depends.items():
            self.env[model_name].flush_model(field_names)
