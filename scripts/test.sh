#!/usr/bin/env bash
# Runs the test suite with node:test through tsx. Arguments narrow it: directories or files under test/.
# Kernel tests need root; they run one file at a time so fd-leak checks stay per file.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(test)
mapfile -t files < <(find "${targets[@]}" -name '*.test.ts' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under: ${targets[*]}" >&2; exit 1; }
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
