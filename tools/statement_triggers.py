"""PostgreSQL statement-level triggers with transition tables, as the addon's
pre-aggregates (the KPI summary cells, the attributed revenue's stale marks)
keep themselves in the writing transaction.

A table gets one plpgsql function, with a branch per event, and one trigger
per event: transition tables allow a single event per trigger. The statements
of the events a trigger does not fire on are never planned.
"""

from odoo.tools import SQL

REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def function_sql(function, statements):
    """The ``CREATE OR REPLACE FUNCTION`` of ``function`` that runs, for each
    event of ``statements`` (``{event: SQL}``), its statement."""
    branches = SQL(" ").join(
        SQL(
            "%s TG_OP = %s THEN %s;",
            SQL("ELSIF" if index else "IF"),
            event,
            statement,
        )
        for index, (event, statement) in enumerate(statements.items())
    )
    return SQL(
        "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql"
        " AS $body$ BEGIN %s END IF; RETURN NULL; END $body$",
        SQL.identifier(function),
        branches,
    )


def install(cr, table, function, statements, trigger_names):
    """(Re)create ``function`` and its triggers on ``table``, one per event of
    ``statements``, named by ``trigger_names`` (``{event: name}``)."""
    cr.execute(function_sql(function, statements))
    for event in statements:
        trigger = SQL.identifier(trigger_names[event])
        cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %(trigger)s ON %(table)s;"
                " CREATE TRIGGER %(trigger)s AFTER %(event)s ON %(table)s"
                " REFERENCING %(tables)s"
                " FOR EACH STATEMENT EXECUTE FUNCTION %(function)s()",
                trigger=trigger,
                table=SQL.identifier(table),
                event=SQL(event),
                tables=SQL(REFERENCING[event]),
                function=SQL.identifier(function),
            )
        )


def drop(cr, table, function, trigger_names):
    """Remove the triggers of ``trigger_names`` from ``table``, then
    ``function`` (uninstall)."""
    for trigger in trigger_names.values():
        cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %s ON %s",
                SQL.identifier(trigger),
                SQL.identifier(table),
            )
        )
    cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(function)))
