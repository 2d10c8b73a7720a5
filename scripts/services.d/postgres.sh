# PostgreSQL (Debian postgresql) for the archive's PostgreSQL index and the
# screening store: a throw-away cluster initialised with initdb in a
# temporary directory, listening on 127.0.0.1 only (no Unix socket in a
# shared place), password authentication for a radkit superuser, stopped
# and deleted on exit. Exports RADKIT_POSTGRES_URL, a DSN of the cluster's
# "postgres" database; tests create their own databases from it (see
# internal/testutil.Postgres).
# shellcheck shell=bash

postgres_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return; }
	done
	return 1
}

install_postgres() {
	if postgres_bindir >/dev/null; then
		echo "ok: postgresql ($(postgres_bindir))"
	else
		echo "missing: postgresql server (package postgresql)"
		APT_MISSING+=(postgresql)
	fi
}

start_postgres() {
	[[ -n ${RADKIT_POSTGRES_URL:-} ]] && { echo "postgres: using the server of RADKIT_POSTGRES_URL"; return; }
	local bin port pw run=()
	bin=$(postgres_bindir) || die "postgresql not installed"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/radkit-postgres.XXXXXX")
	port=$(free_port)
	pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	printf '%s\n' "$pw" >"$PG_DIR/pwfile"
	# initdb and postgres refuse to run as root: run them as the
	# cluster's own user (Debian's package creates "postgres").
	if ((EUID == 0)); then
		id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
		chown -R postgres "$PG_DIR"
		chmod 0700 "$PG_DIR"
		run=(runuser -u postgres --)
	fi
	"${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U radkit --pwfile="$PG_DIR/pwfile" \
		--auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
	# Loopback only; the socket in the temporary directory; settings for a
	# test cluster (durability kept: fsync stays on, as in production).
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_DIR'
max_connections = 200
shared_buffers = 256MB
CONF
	"${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start >/dev/null ||
		{ cat "$PG_DIR/postgres.log" >&2; die "postgres did not start"; }
	on_exit stop_postgres
	export RADKIT_POSTGRES_URL="postgres://radkit:$pw@127.0.0.1:$port/postgres?sslmode=disable"
	echo "postgres: 127.0.0.1:$port (data $PG_DIR/data, log $PG_DIR/postgres.log)"
}

stop_postgres() {
	[[ -n ${PG_DIR:-} ]] || return 0
	local bin run=()
	bin=$(postgres_bindir) || true
	((EUID == 0)) && run=(runuser -u postgres --)
	[[ -n $bin ]] && "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
}

SERVICE_INSTALLERS+=(install_postgres)
SERVICE_STARTERS+=(start_postgres)
