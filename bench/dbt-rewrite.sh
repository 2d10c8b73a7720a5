#!/usr/bin/env bash
# Rewrites a ~1 GB synthetic breast tomosynthesis object (Patient Name
# changed, pixel data passed through) with radkit and with dcmtk's dcmodify
# and dcmconv, in the same run, and prints time, peak memory and ratios.
#
# Usage: bench/dbt-rewrite.sh [FRAMES]   (default 40 frames of 3328x4096x16 bits ≈ 1.09 GB)
# Needs: Go, dcmtk, /usr/bin/time, awk (Debian packages dcmtk, time). Disk: ~4 GB in $TMPDIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
frames=${1:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/rewritemem" ./bench/rewritemem
src=$work/dbt.dcm
"$work/rewritemem" -in "$src" -synth-dbt-frames "$frames"
size=$(stat -c %s "$src")

measure() { # label cmd... ; prints "label seconds maxrss_kb"
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
	read -r secs rss <"$work/time"
	echo "$label $secs $rss"
}

sync
r=$(measure radkit "$work/rewritemem" -in "$src" -out "$work/radkit.dcm")
heap=$(grep -o 'peak_heap_bytes=[0-9]*' "$work/out.txt" | cut -d= -f2)
alloc=$(grep -o 'allocated_bytes=[0-9]*' "$work/out.txt" | cut -d= -f2)
cp "$src" "$work/dcmodify.dcm"
m=$(measure dcmodify dcmodify -nb -ma "(0010,0010)=ANONYME" "$work/dcmodify.dcm")
c=$(measure dcmconv dcmconv +te "$src" "$work/dcmconv.dcm")
rm -f "$work"/radkit.dcm "$work"/dcmodify.dcm "$work"/dcmconv.dcm

printf 'input: %s, %d bytes (%d frames)\n' "$(basename "$src")" "$size" "$frames"
awk -v h="$heap" -v a="$alloc" 'BEGIN { printf "radkit Go heap: peak %.1f MiB, allocated %.1f MiB\n", h/1048576, a/1048576 }'
printf '%s\n%s\n%s\n' "$r" "$m" "$c" | awk '
	NR == 1 { rs = $2; rr = $3 }
	{ row[NR] = $0; name[NR] = $1; s[NR] = $2; k[NR] = $3 }
	END {
		printf "%-10s %9s %12s %14s %14s\n", "tool", "seconds", "maxRSS_MiB", "time_vs_radkit", "rss_vs_radkit"
		for (i = 1; i <= NR; i++)
			printf "%-10s %9.2f %12.1f %14.2f %14.2f\n", name[i], s[i], k[i]/1024, s[i]/rs, k[i]/rr
	}'
