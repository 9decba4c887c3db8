from .models.crm_customer_acquisition_revenue import drop_revenue_triggers


def post_init_hook(env):
    # Ready on first run: each existing sales team gets an assignment rule, a
    # follow-up policy and an intake form of its own; teams created later do not.
    env["crm.team"]._closed_loop_first_run_setup()


def uninstall_hook(env):
    # Database objects made outside the ORM (cache of attributed revenue): the
    # ORM does not know them and would leave them behind. Dropped first, so the
    # deletions below mark nothing.
    drop_revenue_triggers(env.cr)
    # The demo loaders create records without external ids (chart, bills, POS
    # sessions); they must go before the module's own records can.
    company = env.ref("crm_closed_loop.demo_company", raise_if_not_found=False)
    if company:
        env["crm.closed.loop.demo"]._unlink_demo_data(company)
