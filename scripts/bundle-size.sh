#!/usr/bin/env bash
# Prints the raw and gzipped sizes of the wasm and JS in a trunk dist folder and fails when the
# gzipped total is above the budget.   usage: bundle-size.sh DIST GZIP_BYTES_MAX
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dist=${1:?usage: bundle-size.sh DIST GZIP_BYTES_MAX}
gzip_bytes_max=${2:?usage: bundle-size.sh DIST GZIP_BYTES_MAX}

shopt -s nullglob
files=("$dist"/*.wasm "$dist"/*.js)
((${#files[@]})) || die "no .wasm or .js in $dist: did trunk build run?"
compgen -G "$dist/*.wasm" >/dev/null || die "no .wasm in $dist"

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

raw_total=0
gzip_total=0
printf '%-40s %12s %12s\n' file raw gzip-9
for file in "${files[@]}"; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  raw_total=$((raw_total + raw))
  gzip_total=$((gzip_total + gz))
  printf '%-40s %12s %12s\n' "$(basename "$file")" "$(kb "$raw")" "$(kb "$gz")"
done
printf '%-40s %12s %12s\n' "total (wasm + JS)" "$(kb "$raw_total")" "$(kb "$gzip_total")"

if ((gzip_total > gzip_bytes_max)); then
  die "bundle is $(kb "$gzip_total") gzipped, over the budget of $(kb "$gzip_bytes_max")"
fi
say "bundle within budget: $(kb "$gzip_total") of $(kb "$gzip_bytes_max") gzipped"
