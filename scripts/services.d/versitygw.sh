# versitygw (Versity S3 Gateway, posix backend) for dicomarchive/s3blob
# and the S3 archive tests: a real S3 server, started on 127.0.0.1 with
# its own random root keys over a temporary directory. Exports
# RADKIT_S3_ENDPOINT (host:port, plain HTTP), RADKIT_S3_ACCESS_KEY and
# RADKIT_S3_SECRET_KEY. Tests create and remove their own buckets
# (internal/testutil.S3).
# shellcheck shell=bash

# Pinned: the tests check checksum behaviour that differs between
# releases.
VERSITYGW_VERSION=v1.8.0

# versitygw_bin prints where go install puts versitygw.
versitygw_bin() {
	local bin
	bin=$(go env GOBIN)
	[[ -n $bin ]] || bin="$(go env GOPATH | cut -d: -f1)/bin"
	echo "$bin/versitygw"
}

install_versitygw() {
	local bin
	bin=$(versitygw_bin)
	# go version -m reads the module version the binary was built from
	# (versitygw --version says "git" for a go install build).
	if [[ -x $bin ]] && go version -m "$bin" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+github.com/versity/versitygw[[:space:]]+$VERSITYGW_VERSION[[:space:]]"; then
		echo "ok: versitygw $VERSITYGW_VERSION ($bin)"
		return
	fi
	echo "installing: github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
	go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
	[[ -x $bin ]] || die "versitygw not found at $bin after go install"
}

# versitygw_key prints a random hexadecimal key of $1 bytes.
versitygw_key() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

start_versitygw() {
	[[ -n ${RADKIT_S3_ENDPOINT:-} ]] && { echo "versitygw: using $RADKIT_S3_ENDPOINT"; return; }
	local bin
	bin=$(versitygw_bin)
	[[ -x $bin ]] || die "versitygw not installed at $bin (run install_services)"
	VERSITYGW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/radkit-versitygw.XXXXXX")
	mkdir "$VERSITYGW_DIR/root"
	local port access secret
	port=$(free_port)
	access=$(versitygw_key 10)
	secret=$(versitygw_key 20)
	# The keys go through the environment, not argv, so that ps does not
	# show them.
	ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
		"$bin" --port "127.0.0.1:$port" --quiet --keep-alive posix "$VERSITYGW_DIR/root" \
		>"$VERSITYGW_DIR/versitygw.log" 2>&1 &
	VERSITYGW_PID=$!
	on_exit stop_versitygw
	local i code
	for ((i = 0; i < 100; i++)); do
		# Any HTTP answer (403 to an anonymous request) means it serves.
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null || true)
		if [[ -n $code && $code != 000 ]]; then
			export RADKIT_S3_ENDPOINT=127.0.0.1:$port RADKIT_S3_ACCESS_KEY=$access RADKIT_S3_SECRET_KEY=$secret
			echo "versitygw: http://$RADKIT_S3_ENDPOINT (pid $VERSITYGW_PID, log $VERSITYGW_DIR/versitygw.log)"
			return
		fi
		kill -0 "$VERSITYGW_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$VERSITYGW_DIR/versitygw.log" >&2 || true
	die "versitygw did not start"
}

stop_versitygw() {
	if [[ -n ${VERSITYGW_PID:-} ]]; then
		kill -TERM "$VERSITYGW_PID" 2>/dev/null || true
		local i
		for ((i = 0; i < 50; i++)); do
			kill -0 "$VERSITYGW_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$VERSITYGW_PID" 2>/dev/null || true
		wait "$VERSITYGW_PID" 2>/dev/null || true
		VERSITYGW_PID=
	fi
	if [[ -n ${VERSITYGW_DIR:-} ]]; then
		rm -rf "$VERSITYGW_DIR"
		VERSITYGW_DIR=
	fi
}

SERVICE_INSTALLERS+=(install_versitygw)
SERVICE_STARTERS+=(start_versitygw)
