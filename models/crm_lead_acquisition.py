from odoo import models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        """Keep customer acquisitions in line with wins: the first win of a customer
        acquires it, and a lead that leaves the won state gives the acquisition back
        to the customer's next won lead."""
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        reach_won = self.browse()
        leave_won = self.browse()
        for lead in self:
            was_won = old_status_by_lead.get(lead.id, {}).get("is_won")
            is_won = new_status_by_lead.get(lead.id, {}).get("is_won")
            if is_won and not was_won:
                reach_won |= lead
            elif was_won and not is_won:
                leave_won |= lead
        Acquisition = self.env["crm.customer.acquisition"]
        if leave_won:
            Acquisition._unregister_unwon_leads(leave_won)
        if reach_won:
            Acquisition._register_won_leads(reach_won)
        return result
