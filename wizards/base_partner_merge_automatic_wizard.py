from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merged customers keep their history: in each company the earliest
        acquisition among the merged partners survives and moves to the destination.
        Left to the generic merge, the unique (customer, company) key would make it
        delete the source partners' acquisitions, however old."""
        Acquisition = self.env["crm.customer.acquisition"]
        # sudo: crm.customer.acquisition - the merge moves records users only read
        acquisitions = Acquisition.sudo().search(
            [("partner_id", "in", (src_partners | dst_partner).ids)],
            order="date, id",
        )
        keep = Acquisition.sudo()
        companies = set()
        for acquisition in acquisitions:
            if acquisition.company_id.id not in companies:
                companies.add(acquisition.company_id.id)
                keep |= acquisition
        (acquisitions - keep).unlink()
        keep.write({"partner_id": dst_partner.id})
        return super()._update_foreign_keys(src_partners, dst_partner)
