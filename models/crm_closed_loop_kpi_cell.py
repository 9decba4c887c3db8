import hashlib
import logging

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from ..tools import statement_triggers
from .lib import response_bands

_logger = logging.getLogger(__name__)

# Lead columns the cells are computed from; the ORM writes their pending values
# before the cells are read.
LEAD_COLUMNS = (
    "company_id",
    "create_date",
    "team_id",
    "user_id",
    "source_id",
    "medium_id",
    "campaign_id",
    "lost_reason_id",
    "stage_id",
    "won_status",
    "active",
    "type",
    "expected_revenue",
    "weighted_revenue",
    "contact_count",
    "first_contact_date",
    "first_response_minutes",
)
# Of those, the ones other models of the addon add to crm.lead.
ADDON_LEAD_COLUMNS = (
    "weighted_revenue",
    "contact_count",
    "first_contact_date",
    "first_response_minutes",
)

# The cohort is summed per value of each of these lead columns (the
# scorecard's sections), the open pipeline per stage.
COHORT_DIMENSIONS = {
    "source": "source_id",
    "medium": "medium_id",
    "campaign": "campaign_id",
    "user": "user_id",
    "team": "team_id",
    "lost_reason": "lost_reason_id",
}
PIPELINE_DIMENSION = "stage"

# A cell is one row per distinct value of these columns (after compaction).
CELL_KEYS = ("company_id", "grain", "period_start", "team_id", "dimension", "value_id")
COUNT_MEASURES = ("leads", "won", "lost", "contacts", "contacted", "responded")
MONEY_MEASURES = ("response_minutes", "expected_revenue", "weighted_revenue")
MEASURES = COUNT_MEASURES + MONEY_MEASURES + response_bands.FIELD_NAMES
# What the cohort's read returns: the pipeline's money is left out.
COHORT_MEASURES = (*COUNT_MEASURES, "response_minutes", *response_bands.FIELD_NAMES)

TRIGGER_FUNCTION = "crm_closed_loop_kpi_cells_follow_leads"
TRIGGERS = {
    "INSERT": "crm_closed_loop_kpi_cells_on_insert",
    "UPDATE": "crm_closed_loop_kpi_cells_on_update",
    "DELETE": "crm_closed_loop_kpi_cells_on_delete",
}


def _band_field(band):
    low, high = response_bands.bounds(band)
    label = f"above {low:g}" if high is None else f"{low:g} to {high:g}"
    return fields.Integer(
        f"Responses {label} min",
        readonly=True,
        help="First responses that took this many business minutes.",
    )


class CrmClosedLoopKpiCell(models.Model):
    """The lead side of the scorecard, pre-aggregated and always current.

    A cell sums the leads of one company, UTC month (or year) of creation and
    sales team
    that share one value of one dimension: a channel, medium, campaign,
    salesperson, team or lost reason (the cohort), or a stage (the open
    pipeline, without a month). A year of a million leads is then read from a
    few tens of thousands of cells instead of the leads themselves.

    PostgreSQL triggers on ``crm_lead`` append, in the writing transaction, the
    change every insert, update or delete makes to the cells: new rows count
    plus one, old rows minus one. The cells therefore follow every write, ORM or
    SQL, without a refresh, and concurrent writers never update the same row
    (append only). ``_cron_compact`` folds the appended rows of each cell into
    one. Install and upgrade rebuild the cells from the leads.

    The keys are plain integers, not foreign keys: a cell must accept the
    negative row of a record being deleted in the same statement.
    """

    _name = "crm.closed.loop.kpi.cell"
    _description = "Closed-loop KPI summary cell"
    _log_access = False

    company_id = fields.Integer(readonly=True)
    grain = fields.Selection(
        [("month", "Month"), ("year", "Year"), ("now", "Now")],
        readonly=True,
        help="Span of the cell: the month or year of creation (cohort), or the "
        "present (open pipeline).",
    )
    period_start = fields.Date(
        readonly=True, help="First day of the cell's UTC month or year of creation"
    )
    team_id = fields.Integer(readonly=True)
    dimension = fields.Selection(
        [
            ("source", "Channel"),
            ("medium", "Medium"),
            ("campaign", "Campaign"),
            ("user", "Salesperson"),
            ("team", "Sales Team"),
            ("lost_reason", "Lost Reason"),
            ("stage", "Stage (open pipeline)"),
        ],
        readonly=True,
    )
    value_id = fields.Integer(readonly=True, help="Id of the dimension's record")
    leads = fields.Integer(readonly=True)
    won = fields.Integer(readonly=True)
    lost = fields.Integer(readonly=True)
    contacts = fields.Integer(readonly=True)
    contacted = fields.Integer(readonly=True)
    responded = fields.Integer(readonly=True)
    response_minutes = fields.Float(readonly=True)
    # Numeric as the leads' money: sums of amounts in cents stay exact.
    expected_revenue = fields.Float(readonly=True, digits=0)
    weighted_revenue = fields.Float(readonly=True, digits=0)
    responses_band_00 = _band_field(0)
    responses_band_01 = _band_field(1)
    responses_band_02 = _band_field(2)
    responses_band_03 = _band_field(3)
    responses_band_04 = _band_field(4)
    responses_band_05 = _band_field(5)
    responses_band_06 = _band_field(6)
    responses_band_07 = _band_field(7)
    responses_band_08 = _band_field(8)
    responses_band_09 = _band_field(9)
    responses_band_10 = _band_field(10)
    responses_band_11 = _band_field(11)
    responses_band_12 = _band_field(12)

    # Serves the scorecard's read: one company, ranges of years and months.
    _company_period_idx = models.Index("(company_id, grain, period_start)")

    # ------------------------------------------------------------
    # Contributions of lead rows
    # ------------------------------------------------------------

    def _contributions(self, rows, sign):
        """What the lead rows of ``rows`` (SQL naming a table or a subquery) add
        to the cells, times ``sign``: one row per dimension of each lead.

        A lead without a creation date (inserted in SQL) goes to cells without
        a period: only a period without bounds counts it, as the leads do."""
        responded = SQL(
            "(r.first_response_minutes IS NOT NULL"
            " AND r.first_contact_date IS NOT NULL)"
        )
        bands = []
        for band in range(response_bands.COUNT):
            low, high = response_bands.bounds(band)
            condition = SQL("r.first_response_minutes > %s", low) if band else SQL()
            if high is not None:
                upper = SQL("r.first_response_minutes <= %s", high)
                condition = SQL("%s AND %s", condition, upper) if band else upper
            bands.append(
                SQL(
                    "%s * (d.dimension = 'user' AND %s AND %s)::int AS %s",
                    sign,
                    responded,
                    condition,
                    SQL.identifier(response_bands.field_name(band)),
                )
            )
        dimensions = SQL(", ").join(
            SQL("(%s, r.%s)", name, SQL.identifier(column))
            for name, column in COHORT_DIMENSIONS.items()
        )
        cohort = SQL(
            """
            SELECT r.company_id, g.grain,
                   date_trunc(g.grain, r.create_date)::date AS period_start,
                   r.team_id, d.dimension, d.value_id,
                   %(sign)s AS leads,
                   %(sign)s * (r.won_status = 'won')::int AS won,
                   %(sign)s * (r.won_status = 'lost')::int AS lost,
                   %(sign)s * COALESCE(r.contact_count, 0) AS contacts,
                   %(sign)s * (r.first_contact_date IS NOT NULL)::int AS contacted,
                   %(sign)s * (d.dimension = 'user' AND %(responded)s)::int
                       AS responded,
                   CASE WHEN d.dimension = 'user' AND %(responded)s
                        THEN %(sign)s * r.first_response_minutes ELSE 0 END
                       AS response_minutes,
                   0.0 AS expected_revenue, 0.0 AS weighted_revenue,
                   %(bands)s
              FROM %(rows)s r
             CROSS JOIN LATERAL (VALUES %(dimensions)s) d(dimension, value_id)
             CROSS JOIN (VALUES ('month'), ('year')) g(grain)
             WHERE d.dimension <> 'lost_reason' OR r.won_status = 'lost'
            """,
            sign=sign,
            responded=responded,
            bands=SQL(", ").join(bands),
            rows=rows,
            dimensions=dimensions,
        )
        pipeline = SQL(
            """
            SELECT r.company_id, 'now', NULL::date, r.team_id, %(dimension)s,
                   r.stage_id,
                   %(sign)s, 0, 0, 0, 0, 0, 0.0,
                   %(sign)s * COALESCE(r.expected_revenue, 0),
                   %(sign)s * COALESCE(r.weighted_revenue, 0),
                   %(no_bands)s
              FROM %(rows)s r
             WHERE r.active AND r.won_status = 'pending' AND r.type = 'opportunity'
            """,
            dimension=PIPELINE_DIMENSION,
            sign=sign,
            rows=rows,
            no_bands=SQL(", ").join(SQL("0") for _band in response_bands.FIELD_NAMES),
        )
        return SQL("%s UNION ALL %s", cohort, pipeline)

    def _insert_sums(self, contributions):
        """INSERT the sums of ``contributions`` per cell, leaving out cells the
        change leaves untouched (an update of other columns adds nothing)."""
        measures = SQL(", ").join(SQL.identifier(name) for name in MEASURES)
        sums = SQL(", ").join(SQL("SUM(%s)", SQL.identifier(name)) for name in MEASURES)
        changed = SQL(" OR ").join(
            SQL("SUM(%s) <> 0", SQL.identifier(name)) for name in MEASURES
        )
        return SQL(
            """
            INSERT INTO %(table)s
                   (company_id, grain, period_start, team_id, dimension, value_id,
                    %(measures)s)
            SELECT company_id, grain, period_start, team_id, dimension, value_id,
                   %(sums)s
              FROM (%(contributions)s) c
             GROUP BY company_id, grain, period_start, team_id, dimension, value_id
            HAVING %(changed)s
            """,
            table=SQL.identifier(self._table),
            measures=measures,
            sums=sums,
            contributions=contributions,
            changed=changed,
        )

    # ------------------------------------------------------------
    # Triggers, rebuild, compaction
    # ------------------------------------------------------------

    def _leads_ready(self):
        cr = self.env.cr
        return all(column_exists(cr, "crm_lead", name) for name in ADDON_LEAD_COLUMNS)

    def init(self):
        # The lead columns other models of the addon add may come after this
        # model on install; the data file calls init() again then.
        if not self._leads_ready():
            return
        cr = self.env.cr
        added = self._contributions(SQL.identifier("new_rows"), 1)
        removed = self._contributions(SQL.identifier("old_rows"), -1)
        statements = {
            "INSERT": self._insert_sums(added),
            "UPDATE": self._insert_sums(SQL("%s UNION ALL %s", added, removed)),
            "DELETE": self._insert_sums(removed),
        }
        function = statement_triggers.function_sql(TRIGGER_FUNCTION, statements)
        # While the triggers stay as they are, the cells stay right: an upgrade
        # rebuilds them only when their definition changed.
        version = hashlib.sha256(cr.mogrify(function.code, function.params)).hexdigest()
        if self._installed_version() == version:
            return
        statement_triggers.install(
            cr, "crm_lead", TRIGGER_FUNCTION, statements, TRIGGERS
        )
        cr.execute(
            SQL(
                "COMMENT ON FUNCTION %s() IS %s",
                SQL.identifier(TRIGGER_FUNCTION),
                version,
            )
        )
        self._rebuild()

    def _installed_version(self):
        """The version of the installed triggers, if all are installed."""
        self.env.cr.execute(
            SQL(
                """
                SELECT obj_description(p.oid, 'pg_proc')
                  FROM pg_proc p
                 WHERE p.proname = %s
                   AND (SELECT COUNT(*) FROM pg_trigger t
                         WHERE t.tgfoid = p.oid AND t.tgenabled <> 'D') = %s
                """,
                TRIGGER_FUNCTION,
                len(TRIGGERS),
            )
        )
        row = self.env.cr.fetchone()
        return row and row[0]

    def _rebuild(self):
        """Sum the cells again from the leads (install, upgrade)."""
        cr = self.env.cr
        # Not TRUNCATE: it would also drop the rows of leads that other
        # transactions committed after this one's snapshot, which the rebuild
        # cannot see; DELETE leaves them.
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(self._table)))
        cr.execute(
            self._insert_sums(self._contributions(SQL.identifier("crm_lead"), 1))
        )
        _logger.info("KPI summary rebuilt: %s cells", cr.rowcount)

    def _drop_triggers(self):
        """Remove the triggers and their function (uninstall)."""
        statement_triggers.drop(self.env.cr, "crm_lead", TRIGGER_FUNCTION, TRIGGERS)

    def _cron_compact(self):
        """Fold the rows appended to each cell into one row; idempotent.

        One statement: it deletes the rows of every cell that has several, as
        the transaction sees them, and inserts their sums. Rows appended by
        concurrent transactions are not in its snapshot and stay for the next
        run; the figures read from the cells are the same before and after.
        """
        self.env.cr.execute(self._compact_sql())
        self.env["ir.cron"]._commit_progress(self.env.cr.rowcount, remaining=0)

    def _compact_sql(self):
        # GROUP BY puts NULL keys (no team, no value, the pipeline's period)
        # together, and the rows are then found by id: a hashed join, where
        # matching keys with IS NOT DISTINCT FROM compared every pair of rows.
        keys = SQL(", ").join(SQL.identifier(key) for key in CELL_KEYS)
        return SQL(
            """
            WITH folded AS (
                DELETE FROM %(table)s cell
                 WHERE cell.id IN (SELECT unnest(array_agg(id)) FROM %(table)s
                                    GROUP BY %(keys)s HAVING COUNT(*) > 1)
                RETURNING cell.*
            )
            %(insert)s
            """,
            table=SQL.identifier(self._table),
            keys=keys,
            insert=self._insert_sums(SQL("SELECT * FROM folded")),
        )

    # ------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------

    def _sum_cohort(self, company_ids, team_ids, month_from, month_to, edges):
        """The cohort's sums per dimension value, salespeople per team too.

        :param month_from, month_to: months of the cells to add, ``month_to``
            excluded; ``None`` for no bound
        :param edges: ``(sign, start, end)`` ranges of creation datetimes whose
            leads are added (sign 1) or taken off (-1) from the leads themselves
        :return: rows ``(dimension, value_id, team_id, *COHORT_MEASURES)``;
            ``team_id``
            is set on salespeople's rows only
        """
        self.env["crm.lead"].flush_model(LEAD_COLUMNS)
        conditions = [
            SQL("company_id IN %s", tuple(company_ids)),
            self._period_condition(month_from, month_to),
        ]
        if team_ids:
            conditions.append(SQL("team_id IN %s", tuple(team_ids)))
        columns = SQL(", ").join(
            SQL.identifier(name) for name in (*CELL_KEYS, *COHORT_MEASURES)
        )
        parts = [
            SQL(
                "SELECT %s FROM %s WHERE %s",
                columns,
                SQL.identifier(self._table),
                SQL(" AND ").join(conditions),
            )
        ]
        for sign, start, end in edges:
            leads = SQL(
                "(SELECT * FROM crm_lead WHERE company_id IN %s"
                " AND create_date >= %s AND create_date < %s%s)",
                tuple(company_ids),
                start,
                end,
                SQL(" AND team_id IN %s", tuple(team_ids)) if team_ids else SQL(),
            )
            # The edge's leads once, as month cells would count them.
            parts.append(
                SQL(
                    "SELECT %s FROM (%s) edge WHERE grain = 'month'",
                    columns,
                    self._contributions(leads, sign),
                )
            )
        sums = SQL(", ").join(
            SQL("SUM(%s)", SQL.identifier(name)) for name in COHORT_MEASURES
        )
        team = SQL("CASE WHEN dimension = 'user' THEN team_id END")
        # Each lead counts one in every row it adds, with all its measures: a
        # value whose leads add up to nothing has nothing else left either.
        return self.env.execute_query(
            SQL(
                """
                SELECT dimension, value_id, %(team)s, %(sums)s
                  FROM (%(parts)s) cells
                 GROUP BY dimension, value_id, %(team)s
                HAVING SUM(leads) <> 0
                """,
                team=team,
                sums=sums,
                parts=SQL(" UNION ALL ").join(parts),
            )
        )

    def _period_condition(self, month_from, month_to):
        """Cells that cover the months [month_from, month_to): the whole years
        inside from year cells, the months around them from month cells."""

        def within(start, end):
            bounds = [SQL("TRUE")]
            if start:
                bounds.append(SQL("period_start >= %s", start))
            if end:
                bounds.append(SQL("period_start < %s", end))
            return SQL(" AND ").join(bounds)

        year_from = month_from and month_from.replace(
            year=month_from.year + (month_from.month > 1), month=1
        )
        year_to = month_to and month_to.replace(month=1)
        if year_from and year_to and year_from >= year_to:
            return SQL("grain = 'month' AND %s", within(month_from, month_to))
        months = [within(month_from, year_from)] if year_from else []
        if year_to:
            months.append(within(year_to, month_to))
        return SQL(
            "(grain = 'year' AND %s OR grain = 'month' AND (%s))",
            within(year_from, year_to),
            SQL(" OR ").join(months) if months else SQL("FALSE"),
        )

    def _sum_pipeline(self, company_ids, team_ids):
        """Open opportunities now per stage: rows ``(stage_id, count, expected
        revenue, weighted revenue)``."""
        self.env["crm.lead"].flush_model(LEAD_COLUMNS)
        return self.env.execute_query(
            SQL(
                """
                SELECT value_id, SUM(leads), SUM(expected_revenue),
                       SUM(weighted_revenue)
                  FROM %(table)s
                 WHERE company_id IN %(companies)s AND grain = 'now'
                   AND dimension = %(pipeline)s %(teams)s
                 GROUP BY value_id
                HAVING SUM(leads) <> 0 OR SUM(expected_revenue) <> 0
                    OR SUM(weighted_revenue) <> 0
                """,
                table=SQL.identifier(self._table),
                companies=tuple(company_ids),
                pipeline=PIPELINE_DIMENSION,
                teams=SQL("AND team_id IN %s", tuple(team_ids)) if team_ids else SQL(),
            )
        )
