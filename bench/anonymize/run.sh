#!/usr/bin/env bash
# Compares radkit's de-identification (basic profile, anonymize.Batch on
# every core) with gdcmanon (GDCM, PS3.15 basic profile), a pydicom script
# and cp -r (the physical floor: read and write the same bytes), in the
# same run, on a synthetic 600-slice CT study and a 4-image mammography
# study. radkit makes its outputs durable (one sync at the end of the
# batch); cp -r does not, so cp -r followed by sync is measured too. Prints wall time, CPU time, peak RSS, throughput and ratios.
# Each tool runs RUNS times (default 3), the tools taking turns in each
# round so that a change of load on a shared machine hits them all; the
# tables give the median wall and the median CPU time of each.
#
# Usage: [RUNS=N] bench/anonymize/run.sh [CT_SLICES]   (default 600: ~305 MB)
# Needs: Go, gdcmanon (Debian libgdcm-tools), /usr/bin/python3 with pydicom
# (python3-pydicom), openssl, /usr/bin/time. Disk: ~1.5 GB in $TMPDIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
slices=${1:-600}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/radkitanon" ./bench/anonymize/radkitanon
go build -o "$work/radkit" ./cmd/radkit
"$work/radkit" synth --kind ct --slices "$slices" --out "$work/in-ct" >/dev/null
"$work/radkit" synth --kind mg --out "$work/in-mg" >/dev/null
head -c 32 /dev/urandom >"$work/key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/gdcm.key" -out "$work/gdcm.pem" -days 1 -subj /CN=radkit-bench 2>/dev/null

measure() { # label cmd... ; prints "label wall user sys maxrss_kb"
	local label=$1; shift
	sync
	/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out.txt" 2>&1 || { echo "$label failed:" >&2; cat "$work/out.txt" >&2; exit 1; }
	read -r wall user sys rss <"$work/time"
	echo "$label $wall $user $sys $rss"
}

printf 'machine: %s, %s cores, %s\n' "$(uname -m)" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'tools: %s; %s; pydicom %s\n' "$(go version | cut -d' ' -f3)" "$(gdcmanon --version 2>&1 | head -1)" "$(/usr/bin/python3 -c 'import pydicom; print(pydicom.__version__)')"
for study in ct mg; do
	in=$work/in-$study
	bytes=$(du -sb "$in" | cut -f1)
	files=$(find "$in" -type f | wc -l)
	cat "$in"/* >/dev/null # same warm page cache for everyone
	rows=()
	for _ in $(seq "$runs"); do
		rows+=("$(measure "cp-r" cp -r "$in" "$work/cp")")
		rm -rf "$work/cp"
		rows+=("$(measure "cp-r+sync" sh -c 'cp -r "$1" "$2" && sync' sh "$in" "$work/cp")")
		rm -rf "$work/cp"
		rows+=("$(measure radkit "$work/radkitanon" -profile basic -key-file "$work/key" -out "$work/out-radkit" "$in")")
		rm -rf "$work/out-radkit"
		rows+=("$(measure gdcmanon gdcmanon -e -c "$work/gdcm.pem" -r --continue -i "$in" -o "$work/gdcm")")
		rm -rf "$work/gdcm"
		rows+=("$(measure pydicom /usr/bin/python3 bench/anonymize/anon_pydicom.py "$work/key" "$work/pydicom" "$in")")
		rm -rf "$work/pydicom"
	done
	"$work/radkitanon" -profile basic -key-file "$work/key" -out "$work/verify" -verify "$in" | grep '^verify' || true
	rm -rf "$work/verify"
	printf '\n%s study: %d files, %.1f MB, median of %d runs\n' "$study" "$files" "$(echo "$bytes / 1000000" | bc -l)" "$runs"
	printf '%s\n' "${rows[@]}" | awk -v bytes="$bytes" '
		# median of the n values in a[1..n] (insertion sort: mawk has no asort)
		function median(a, n,    i, j, v) {
			for (i = 2; i <= n; i++) {
				v = a[i]
				for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
				a[j + 1] = v
			}
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		!($1 in n) { order[++tools] = $1 }
		{ k = ++n[$1]; w[$1, k] = $2; c[$1, k] = $3 + $4; if ($5 > rss[$1]) rss[$1] = $5 }
		END {
			for (t = 1; t <= tools; t++) {
				name = order[t]
				for (k = 1; k <= n[name]; k++) { ws[k] = w[name, k]; cs[k] = c[name, k] }
				mw[name] = median(ws, n[name]); mc[name] = median(cs, n[name])
			}
			rw = mw["radkit"]; rc = mc["radkit"]; cw = mw["cp-r"]; csw = mw["cp-r+sync"]
			printf "%-9s %8s %8s %8s %10s %12s %12s\n", "tool", "wall_s", "cpu_s", "MB/s", "maxRSS_MB", "wall/radkit", "cpu/radkit"
			for (t = 1; t <= tools; t++) {
				name = order[t]
				printf "%-9s %8.2f %8.2f %8.0f %10.1f %12.2f %12.2f\n", name, mw[name], mc[name], bytes / 1e6 / (mw[name] > 0 ? mw[name] : 0.01), rss[name] / 1024, mw[name] / (rw > 0 ? rw : 0.01), mc[name] / (rc > 0 ? rc : 0.01)
			}
			printf "radkit wall / cp -r wall = %.2f, / (cp -r + sync) wall = %.2f (target <= 1.5; radkit syncs its outputs, cp -r does not)\n", rw / (cw > 0 ? cw : 0.01), rw / (csw > 0 ? csw : 0.01)
		}'
done
