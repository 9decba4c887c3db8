from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    # Attributed revenue (marketing analysis view, acquisition figures): the paid,
    # uninvoiced POS orders of one customer's contacts within the window.
    _crm_closed_loop_revenue_idx = models.Index(
        "(partner_id, date_order) WHERE account_move IS NULL "
        "AND state IN ('paid', 'done')"
    )
