#!/usr/bin/env bash
# Full check of radkit, as CI runs it (.ci/run): installs the external tools
# the tests compare against, then gofmt, go vet, staticcheck and the tests
# with the race detector, every integration test required (a missing tool
# fails the run instead of skipping tests).
#
# Made for a fresh Debian 12 machine (root, apt available, Go 1.26 at
# /usr/local/go). On a machine that already has everything it installs
# nothing. Usage: ./scripts/test.sh
#
# To add a dependency, add one line to install_deps (need_cmd, need_py or a
# new need_* / start_* function); services (Orthanc, PostgreSQL, versitygw)
# get a start_* function called from start_services.
set -euo pipefail

# staticcheck 2026.2.2: the newest release, the first line built for
# Go 1.26 (its go.mod requires go 1.26.0).
STATICCHECK_VERSION=v0.8.2

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n=== %s ===\n' "$*"; }
die() { printf 'test.sh: FAIL: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Installers. need_* functions only record what is missing; install_missing
# runs apt-get (update, then one install) only if something is.

APT_MISSING=()

# Debian's python3, where python3-* packages install (a python3 earlier on
# PATH, such as a pyenv shim, would not see them).
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3

# need_cmd PACKAGE COMMAND...: PACKAGE provides the COMMANDs.
need_cmd() {
	local pkg=$1 cmd
	shift
	for cmd in "$@"; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "missing: $cmd (package $pkg)"
			APT_MISSING+=("$pkg")
			return
		fi
	done
	echo "ok: $pkg ($*)"
}

# need_py PACKAGE MODULE: PACKAGE provides the Python module MODULE.
need_py() {
	local pkg=$1 mod=$2
	if "$PYTHON" -c "import $mod" >/dev/null 2>&1; then
		echo "ok: $pkg (python module $mod)"
	else
		echo "missing: python module $mod (package $pkg)"
		APT_MISSING+=("$pkg")
	fi
}

install_missing() {
	((${#APT_MISSING[@]} > 0)) || return 0
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install ${APT_MISSING[*]} by hand"
		sudo=(sudo)
	fi
	echo "installing: ${APT_MISSING[*]}"
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${APT_MISSING[@]}"
	APT_MISSING=()
}

# need_staticcheck: installs staticcheck $STATICCHECK_VERSION unless that
# version is already installed; sets STATICCHECK to its path.
need_staticcheck() {
	local bin
	bin=$(go env GOBIN)
	[[ -n $bin ]] || bin="$(go env GOPATH | cut -d: -f1)/bin"
	STATICCHECK=$bin/staticcheck
	if [[ -x $STATICCHECK ]] && "$STATICCHECK" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
		echo "ok: staticcheck $("$STATICCHECK" -version)"
		return
	fi
	echo "installing: honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	"$STATICCHECK" -version
}

install_deps() {
	section "Dependencies"
	if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
		export PATH=/usr/local/go/bin:$PATH
	fi
	command -v go >/dev/null 2>&1 || die "go not found: install Go 1.26 at /usr/local/go"
	go version

	need_cmd dcmtk dcmdump dcmconv storescu storescp echoscu findscu dcmqrscp dcmcjpeg dcmdjpls dcmcjpls dcmcrle dcmdrle
	need_cmd dicom3tools dciodvfy
	need_py python3-pydicom pydicom
	need_py python3-numpy numpy
	install_services
	install_missing
	# Check again: an install that "succeeded" without the tools fails here.
	command -v dcmdump dciodvfy >/dev/null || die "dcmdump or dciodvfy still missing after install"
	"$PYTHON" -c 'import pydicom, numpy' || die "pydicom or numpy still missing after install"

	need_staticcheck

	if [[ -z ${RADKIT_PYDICOM_TESTFILES:-} ]]; then
		local d=/usr/lib/python3/dist-packages/pydicom/data/test_files
		[[ -d $d ]] && export RADKIT_PYDICOM_TESTFILES=$d
	fi
	echo "RADKIT_PYDICOM_TESTFILES=${RADKIT_PYDICOM_TESTFILES:-}"
}

# Real servers (Orthanc, PostgreSQL, versitygw, ...) each have a file in
# scripts/services.d/NAME.sh, sourced here. A file appends its functions to
# SERVICE_INSTALLERS (run during install_deps, may call need_cmd/need_py)
# and SERVICE_STARTERS (run by start_services: start on 127.0.0.1 only,
# export the address for the tests, register cleanup with on_exit).
SERVICE_INSTALLERS=()
SERVICE_STARTERS=()
# free_port prints a TCP port free on 127.0.0.1, for a service to bind.
free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$1"); }
run_exit_hooks() {
	local h
	for h in "${EXIT_HOOKS[@]}"; do "$h" || true; done
}
trap run_exit_hooks EXIT
for f in scripts/services.d/*.sh; do
	[[ -e $f ]] || continue
	# shellcheck source=/dev/null
	source "$f"
done

install_services() {
	local fn
	for fn in "${SERVICE_INSTALLERS[@]}"; do "$fn"; done
}

start_services() {
	((${#SERVICE_STARTERS[@]} > 0)) || return 0
	section "Services"
	local fn
	for fn in "${SERVICE_STARTERS[@]}"; do "$fn"; done
}

# ---------------------------------------------------------------------------
# Checks.

check_gofmt() {
	section "gofmt -l ."
	local files
	files=$(gofmt -l .)
	if [[ -n $files ]]; then
		printf '%s\n' "$files" >&2
		die "the files above are not gofmt'ed: run gofmt -w on them"
	fi
	echo "ok"
}

# Nested modules keep heavy test-only dependencies (tusd) out of the
# library's go.mod; each is vetted, checked and tested like the root.
NESTED_MODULES=(transfer/internal/tusdtest bench/transfer)

in_modules() { # run "$@" in the root module and in every nested one
	"$@"
	local m
	for m in "${NESTED_MODULES[@]}"; do
		(cd "$m" && "$@")
	done
}

check_vet() {
	section "go vet ./... (and nested modules)"
	in_modules go vet ./...
	echo "ok"
}

check_staticcheck() {
	section "staticcheck ./... ($STATICCHECK_VERSION)"
	in_modules "$STATICCHECK" ./...
	echo "ok"
}

run_tests() {
	section "go test -race ./... (RADKIT_INTEGRATION=require)"
	in_modules env RADKIT_INTEGRATION=require go test -race -count=1 -timeout 25m ./...
	# tusd v2.9.1 has a data race of its own on client reconnects, so its
	# fault and restart tests skip under -race: run them without it.
	section "tusd fault tests without -race (RADKIT_INTEGRATION=require)"
	(cd transfer/internal/tusdtest && RADKIT_INTEGRATION=require go test -count=1 -timeout 10m ./...)
}

main() {
	local start=$SECONDS
	install_deps
	start_services
	check_gofmt
	check_vet
	check_staticcheck
	run_tests
	section "All checks passed ($((SECONDS - start)) s)"
}

# Run main unless sourced (sourcing gives the functions, for debugging).
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
