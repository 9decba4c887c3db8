"""Bounded waits for the blocking locks the addon takes."""

from contextlib import contextmanager

from odoo.tools import SQL

# A rival holds the rows we wait for during one web request or one cron batch,
# well under a second normally. A longer wait means it is stuck: giving up
# frees the HTTP worker, and LockNotAvailable is one of the errors Odoo's
# `retrying` replays a request (or the caller's savepoint queues work) for.
LOCK_TIMEOUT = "3s"


@contextmanager
def bounded_lock_wait(cr, timeout=LOCK_TIMEOUT):
    """Run the block with PostgreSQL's lock_timeout set to ``timeout``.

    The setting is local to the transaction and restored when the block ends
    normally; after an error the caller rolls back (the transaction or a
    savepoint taken before the block), which undoes it too.
    """
    cr.execute(
        SQL(
            "SELECT current_setting('lock_timeout'),"
            " set_config('lock_timeout', %s, TRUE)",
            timeout,
        )
    )
    previous = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('lock_timeout', %s, TRUE)", previous))
