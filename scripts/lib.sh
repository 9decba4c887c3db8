# Shared by scripts/demo, scripts/test and bench/run: find Odoo, build the
# virtual environment, run a throwaway PostgreSQL cluster. Sourced, not run.
# shellcheck shell=bash

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${CRM_CLOSED_LOOP_RUN_DIR:-$REPO/.run}
# The PostgreSQL cluster and Odoo's filestore; several checkouts may share one.
STATE_DIR=${CRM_CLOSED_LOOP_STATE:-$RUN_DIR}
# Databases of this checkout are prefixed so that checkouts sharing a cluster
# never touch each other's.
DB_PREFIX=cl_$(basename "$REPO" | tr -c 'a-z0-9\n' '_')
ODOO_SRC=${ODOO_SRC:-/opt/odoo-19.0}
CACHE_DIR=${CRM_CLOSED_LOOP_CACHE:-$HOME/.cache/crm_closed_loop}
PYTHON=${PYTHON:-python3}
ADDON_DEPENDS=crm,account,point_of_sale

say() { printf '\033[1m[crm_closed_loop]\033[0m %s\n' "$*" >&2; }
die() {
    printf '\033[1;31m[crm_closed_loop] error:\033[0m %s\n' "$*" >&2
    exit 2
}

check_odoo_src() {
    local release=$ODOO_SRC/odoo/release.py
    if [ ! -f "$release" ] || [ ! -d "$ODOO_SRC/addons/crm" ]; then
        die "no Odoo 19.0 source tree at ODOO_SRC=$ODOO_SRC.
  Put an Odoo 19.0 Community checkout there (it needs odoo/, addons/, odoo-bin
  and requirements.txt), or point ODOO_SRC at one:
      ODOO_SRC=/path/to/odoo-19.0 $0"
    fi
    grep -q "^version_info = (19, 0," "$release" ||
        die "$ODOO_SRC is not Odoo 19.0 ($(grep '^version_info' "$release"))."
}

check_python() {
    command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH; set PYTHON=python3.11"
    "$PYTHON" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' ||
        die "Odoo 19 needs Python 3.10 to 3.13; $PYTHON is $("$PYTHON" -V). Set PYTHON."
}

# The venv lives outside the repository, keyed by what goes into it, so that a
# fresh clone (CI) reuses it and any change of requirements builds a new one.
venv_key() {
    cat "$ODOO_SRC/requirements.txt" "$REPO/scripts/requirements-test.txt" \
        "$REPO/scripts/constraints.txt" |
        cat - <("$PYTHON" -VV) | sha256sum | cut -c1-12
}

pip_logged() {
    "$@" >>"$CACHE_DIR/pip.log" 2>&1 ||
        { tail -30 "$CACHE_DIR/pip.log"; die "pip failed (log: $CACHE_DIR/pip.log)"; }
}

ensure_venv() {
    check_python
    VENV=$CACHE_DIR/venv-$(venv_key)
    if [ -f "$VENV/.complete" ]; then
        return
    fi
    say "building the virtual environment $VENV (once; reused while nothing changes)"
    rm -rf "$VENV"
    mkdir -p "$CACHE_DIR"
    "$PYTHON" -m venv "$VENV"
    local pip=(pip_logged "$VENV/bin/pip" --disable-pip-version-check -q)
    # Odoo pins releases whose sdists need an old setuptools and setuptools_scm
    # at build time, hence no build isolation. python-ldap (auth_ldap only)
    # needs libldap headers and is left out.
    "${pip[@]}" install --upgrade pip wheel 'setuptools<70' 'setuptools_scm<8' cython
    grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" >"$VENV/odoo-requirements.txt"
    "${pip[@]}" install --no-build-isolation -c "$REPO/scripts/constraints.txt" \
        -r "$VENV/odoo-requirements.txt"
    "${pip[@]}" install -c "$REPO/scripts/constraints.txt" \
        -r "$REPO/scripts/requirements-test.txt"
    touch "$VENV/.complete"
}

# PostgreSQL: a server the user names through PGHOST (and PGPORT, PGUSER), or
# a throwaway cluster in $STATE_DIR/pg listening on a Unix socket only.
pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
    die "PostgreSQL server binaries not found: apt-get install postgresql (13 or newer)"
}

as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root.
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

ensure_postgres() {
    if [ -n "${PGHOST:-}" ]; then
        DB_HOST=$PGHOST
        DB_PORT=${PGPORT:-5432}
        DB_USER=${PGUSER:-$(id -un)}
        DB_PASSWORD=${PGPASSWORD:-}
        return
    fi
    local bin data sock
    bin=$(pg_bin)
    data=$STATE_DIR/pg/data
    sock=$STATE_DIR/pg/sock
    DB_HOST=$sock
    DB_PORT=5432
    DB_USER=odoo
    DB_PASSWORD=
    mkdir -p "$STATE_DIR/pg"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home "$STATE_DIR/pg" postgres
        chown postgres "$STATE_DIR/pg"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        say "creating a throwaway PostgreSQL cluster in $data"
        as_pg_owner "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 \
            --locale=C.UTF-8 >"$STATE_DIR/pg/initdb.log"
    fi
    as_pg_owner mkdir -p "$sock"
    if ! as_pg_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        # Only a socket, no TCP. PostgreSQL's own defaults otherwise, durability
        # included: the benchmarks then pay for each commit what a production
        # server pays. (pg_ctl hands -o to a shell: it must stay on one line.)
        as_pg_owner "$bin/pg_ctl" -D "$data" -w -l "$STATE_DIR/pg/server.log" \
            -o "-c listen_addresses='' -c unix_socket_directories='$sock'" start \
            </dev/null >/dev/null 2>&1
    fi
    "$bin/psql" -h "$sock" -U postgres -d postgres -tAq -c \
        "SELECT 1 FROM pg_roles WHERE rolname = 'odoo'" | grep -q 1 ||
        "$bin/psql" -h "$sock" -U postgres -d postgres -q -c \
            "CREATE ROLE odoo LOGIN SUPERUSER CREATEDB"
}

stop_postgres() {
    [ -n "${PGHOST:-}" ] && return
    as_pg_owner "$(pg_bin)/pg_ctl" -D "$STATE_DIR/pg/data" -m fast stop >/dev/null 2>&1 || true
}

psql_q() {
    PGPASSWORD=$DB_PASSWORD "$(pg_bin)/psql" -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" \
        -d postgres -tAq "$@"
}

db_exists() { psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }
drop_db() { psql_q -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }
clone_db() {
    drop_db "$2"
    psql_q -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\""
    # The filestore travels with the database.
    if [ -d "$STATE_DIR/data/filestore/$1" ]; then
        rm -rf "$STATE_DIR/data/filestore/$2"
        cp -r "$STATE_DIR/data/filestore/$1" "$STATE_DIR/data/filestore/$2"
    fi
}

# Odoo needs the addon's folder to be named after the addon, whatever the
# clone is called: a link in $RUN_DIR/addons provides that.
write_odoo_config() {
    local http_port=${1:-${ODOO_HTTP_PORT:-8069}}
    mkdir -p "$RUN_DIR/addons" "$STATE_DIR/data"
    ln -sfn "$REPO" "$RUN_DIR/addons/crm_closed_loop"
    ODOO_CONF=$RUN_DIR/odoo.conf
    cat >"$ODOO_CONF" <<EOF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$RUN_DIR/addons
data_dir = $STATE_DIR/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_interface = 127.0.0.1
http_port = $http_port
gevent_port = ${ODOO_GEVENT_PORT:-$((http_port + 3))}
list_db = False
EOF
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"
}

# A database with the addon's dependencies installed, built once per Odoo tree
# and dependency list; every test run starts from a copy of it.
ensure_template() {
    local name=$1 demo_flag=$2 key
    key=$( (cat "$ODOO_SRC/odoo/release.py"; echo "$ADDON_DEPENDS $demo_flag") |
        sha256sum | cut -c1-8)
    TEMPLATE_DB=${name}_$key
    if db_exists "$TEMPLATE_DB"; then
        return
    fi
    say "installing $ADDON_DEPENDS into the template database $TEMPLATE_DB (once)"
    drop_db "$TEMPLATE_DB.partial"
    odoo_bin -d "$TEMPLATE_DB.partial" -i "$ADDON_DEPENDS" $demo_flag \
        --stop-after-init --log-level=warn >"$RUN_DIR/template.log" 2>&1 ||
        { tail -40 "$RUN_DIR/template.log"; die "template install failed"; }
    psql_q -c "ALTER DATABASE \"$TEMPLATE_DB.partial\" RENAME TO \"$TEMPLATE_DB\""
    if [ -d "$STATE_DIR/data/filestore/$TEMPLATE_DB.partial" ]; then
        rm -rf "$STATE_DIR/data/filestore/$TEMPLATE_DB"
        mv "$STATE_DIR/data/filestore/$TEMPLATE_DB.partial" \
            "$STATE_DIR/data/filestore/$TEMPLATE_DB"
    fi
}
