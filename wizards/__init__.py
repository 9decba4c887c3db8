from . import crm_contact_log
