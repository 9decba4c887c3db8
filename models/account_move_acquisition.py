from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    # Serves the attributed revenue query of crm.customer.acquisition: the posted
    # customer invoices and credit notes of one customer in one company, by date.
    _crm_acquisition_revenue_idx = models.Index(
        "(commercial_partner_id, company_id, invoice_date)"
        " WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')"
    )
