#!/usr/bin/env bash
# Benchmarks radkit's JPEG-LS codec against CharLS 2 (Debian libcharls-dev)
# and OpenJPH's HTJ2K tools (Debian openjph-tools), and prints Markdown
# tables (see the "Pixel codecs" section of BENCHMARKS.md). Installs
# libcharls-dev and openjph-tools when missing.
# Usage: ./bench/codec/run.sh [flags of main.go]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
missing=()
[[ -e /usr/include/charls/charls.h ]] || missing+=(libcharls-dev)
command -v ojph_compress >/dev/null && command -v ojph_expand >/dev/null || missing+=(openjph-tools)
if ((${#missing[@]})); then
	sudo=()
	((EUID == 0)) || sudo=(sudo)
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
go run -tags charls ./bench/codec "$@"
echo
echo "Go benchmarks (go test -bench, -benchmem):"
go test -run '^$' -bench . -benchmem -benchtime 1s ./dicomarchive/codec/jpegls ./dicomarchive/codec/rle
