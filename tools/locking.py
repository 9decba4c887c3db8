"""Row locks that stay correct when several Odoo workers take them at once.

Odoo runs a request or a cron batch in one REPEATABLE READ transaction. Two
things follow for locks. A row that a rival commits a change to after this
transaction's first query cannot be locked here any more: PostgreSQL raises a
serialization failure, and only a new transaction sees the new row. And a wait
for a rival's lock lasts as long as the rival's transaction, by default with
no bound.
"""

from psycopg2 import errors as pg_errors

from odoo.tools import SQL

# A rival holds the rows we wait for during one web request or one cron batch,
# well under a second normally. A longer wait means it is stuck: giving up
# frees the worker, and LockNotAvailable is one of the errors Odoo's
# `retrying` replays a request for.
LOCK_TIMEOUT = "3s"
# New transactions a cron batch may start to lock rows that rivals keep
# changing, before it leaves them to the rivals for this run.
SKIP_LOCKED_ATTEMPTS = 3


def lock_waits_bound(timeout=LOCK_TIMEOUT):
    """The statement that makes every lock wait in the rest of the current
    transaction give up after ``timeout`` with LockNotAvailable.

    Sent in one round trip with the statement that may wait:
    ``SQL("%s; SELECT ...", lock_waits_bound())``.
    """
    # SET, unlike a SELECT, does not start the transaction's snapshot: run
    # first, it leaves the snapshot to the statement that takes the lock.
    return SQL("SET LOCAL lock_timeout = %s", timeout)


def lock_skipping_held(env, query):
    """The rows of ``query``, a ``SELECT ... FOR UPDATE SKIP LOCKED`` that picks
    a cron batch, locked for this transaction.

    When a rival worker has committed a change to a candidate row since this
    transaction began, the rows are picked again in a new transaction (the
    work done so far is committed first, as between two batches); after a few
    such rounds the rows are left to the rivals and nothing is returned. Call
    it only where a cron may commit.
    """
    for _attempt in range(SKIP_LOCKED_ATTEMPTS):
        try:
            with env.cr.savepoint(flush=False):
                # A lost race is handled here: not worth a "bad query" error.
                env.cr.execute(query, log_exceptions=False)
                return env.cr.fetchall()
        except pg_errors.SerializationFailure:
            env["ir.cron"]._commit_progress()
    return []
