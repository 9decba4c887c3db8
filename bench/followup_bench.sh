#!/usr/bin/env bash
# Benchmark of the follow-up action on a database of its own.
#   bench/followup_bench.sh [--leads N] [--due-ratio R] [--runs K] [--reset]
# Creates cl_<worktree>_bench from the test template with the addon installed
# (kept between runs; --reset starts again), then runs bench/followup_bench.py.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

check_odoo_src
ensure_venv
ensure_postgres
write_odoo_config "${ODOO_HTTP_PORT:-8069}"

args=()
reset=0
for arg in "$@"; do
    if [ "$arg" = --reset ]; then reset=1; else args+=("$arg"); fi
done

BENCH_DB=${DB_PREFIX}_bench
[ "$reset" = 1 ] && drop_db "$BENCH_DB"
if ! db_exists "$BENCH_DB"; then
    say "creating $BENCH_DB"
    ensure_template cl_tmpl ""
    clone_db "$TEMPLATE_DB" "$BENCH_DB"
    odoo_bin -d "$BENCH_DB" -i crm_closed_loop --stop-after-init --log-level=warn \
        >"$RUN_DIR/bench_install.log" 2>&1 ||
        { tail -40 "$RUN_DIR/bench_install.log"; die "install failed"; }
fi
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$REPO/bench/followup_bench.py" -c "$ODOO_CONF" -d "$BENCH_DB" "${args[@]}"
