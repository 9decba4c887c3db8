def post_init_hook(env):
    # Ready on first run: each existing sales team gets an assignment rule, a
    # follow-up policy and an intake form of its own; teams created later do not.
    env["crm.team"]._closed_loop_first_run_setup()


def uninstall_hook(env):
    # The KPI summary's triggers live on crm_lead, which outlives the module;
    # left behind, they would write into a dropped table on every lead change.
    env["crm.closed.loop.kpi.cell"]._drop_triggers()
    # The demo loaders create records without external ids (chart, bills, POS
    # sessions); they must go before the module's own records can.
    company = env.ref("crm_closed_loop.demo_company", raise_if_not_found=False)
    if company:
        env["crm.closed.loop.demo"]._unlink_demo_data(company)
