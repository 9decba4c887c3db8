"""After uninstalling crm_closed_loop, assert that it left nothing behind.

Usage: python scripts/check_uninstalled.py ODOO_CONF DATABASE
"""

import configparser
import sys

import psycopg2


def main():
    conf = configparser.ConfigParser()
    conf.read(sys.argv[1])
    options = conf["options"]
    connection = psycopg2.connect(
        dbname=sys.argv[2],
        host=options["db_host"],
        port=options["db_port"],
        user=options["db_user"],
        password=options.get("db_password") or None,
    )
    with connection, connection.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'crm_closed_loop'")
        state = cr.fetchone()[0]
        cr.execute(
            "SELECT model, name FROM ir_model_data WHERE module = 'crm_closed_loop'"
        )
        leftovers = cr.fetchall()
        # Triggers, functions and tables the addon makes outside the ORM.
        cr.execute(
            "SELECT 'trigger', tgname FROM pg_trigger"
            " WHERE tgname LIKE 'crm\\_closed\\_loop\\_%'"
            " UNION ALL SELECT 'function', proname FROM pg_proc"
            " WHERE proname LIKE 'crm\\_closed\\_loop\\_%'"
            " UNION ALL SELECT 'table', relname FROM pg_class"
            " WHERE relname = 'crm_closed_loop_stale_partner'"
        )
        leftovers += cr.fetchall()
    if state != "uninstalled" or leftovers:
        print(f"uninstall left state={state} and records {leftovers[:20]}")
        sys.exit(1)
    print("  uninstall left nothing behind")


if __name__ == "__main__":
    main()
