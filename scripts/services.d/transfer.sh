# tus-js-client (npm), the independent tus client that transfer's tests
# run against radkit's tus receiver (transfer.TestTusJSClient). Installed
# once, at a pinned version, into a cache directory outside the
# repository; exports RADKIT_TUSJS_NODE_PATH (a NODE_PATH holding it).
# shellcheck shell=bash

TUSJS_VERSION=4.3.1

install_transfer() {
	need_cmd nodejs node
	need_cmd npm npm
}

start_transfer() {
	[[ -n ${RADKIT_TUSJS_NODE_PATH:-} ]] && { echo "tus-js-client: using $RADKIT_TUSJS_NODE_PATH"; return; }
	local dir="${XDG_CACHE_HOME:-$HOME/.cache}/radkit/tus-js-client-$TUSJS_VERSION"
	if [[ ! -f $dir/node_modules/tus-js-client/package.json ]]; then
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-audit --no-fund --no-save "tus-js-client@$TUSJS_VERSION" >/dev/null ||
			die "npm install tus-js-client@$TUSJS_VERSION failed"
	fi
	export RADKIT_TUSJS_NODE_PATH=$dir/node_modules
	echo "tus-js-client: $TUSJS_VERSION ($RADKIT_TUSJS_NODE_PATH)"
}

SERVICE_INSTALLERS+=(install_transfer)
SERVICE_STARTERS+=(start_transfer)
