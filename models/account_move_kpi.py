from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    # Attributed revenue (marketing analysis view, acquisition figures): the posted
    # customer invoices and credit notes of one acquired customer within its window.
    _crm_closed_loop_revenue_idx = models.Index(
        "(commercial_partner_id, invoice_date) WHERE state = 'posted' "
        "AND move_type IN ('out_invoice', 'out_refund')"
    )
