def uninstall_hook(env):
    # The demo loaders create records without external ids (chart, bills, POS
    # sessions); they must go before the module's own records can.
    company = env.ref("crm_closed_loop.demo_company", raise_if_not_found=False)
    if company:
        env["crm.closed.loop.demo"]._unlink_demo_data(company)
