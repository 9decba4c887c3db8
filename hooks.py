from .models.crm_customer_acquisition_revenue import drop_revenue_triggers


def post_init_hook(env):
    # Ready on first run: each existing sales team gets an assignment rule, a
    # follow-up policy and an intake form of its own; teams created later do not.
    env["crm.team"]._closed_loop_first_run_setup()


def uninstall_hook(env):
    # Triggers and tables made outside the ORM (the KPI summary's triggers on
    # crm_lead, the attributed revenue's on accounting and POS): the ORM does not
    # know them, and left behind they would write into dropped tables. Dropped
    # first, so that the deletions below mark nothing.
    env["crm.closed.loop.kpi.cell"]._drop_triggers()
    drop_revenue_triggers(env.cr)
    # The demo loaders create records without external ids (chart, bills, POS
    # sessions); they must go before the module's own records can.
    company = env.ref("crm_closed_loop.demo_company", raise_if_not_found=False)
    if company:
        env["crm.closed.loop.demo"]._unlink_demo_data(company)
