#!/usr/bin/env bash
# Builds every BPF C source under bpf/ with pinned clang-19 flags.
#   bpf/<name>.bpf.c        -> bpf/<name>.bpf.o          (little endian, examples)
#   bpf/test/<name>.bpf.c   -> bpf/test/<name>.bpf.o     (little endian)
#                           -> bpf/test/<name>.bpfeb.o   (big endian, parser fixtures)
# bpf/include/vmlinux.h is generated from the running kernel's BTF when missing (not committed).
# Usage: scripts/build-bpf.sh [file.bpf.c ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG=${CLANG:-clang-19}
command -v "$CLANG" >/dev/null || { echo "build-bpf: $CLANG not found (apt-get install clang-19)" >&2; exit 1; }

if [ ! -s bpf/include/vmlinux.h ]; then
  command -v bpftool >/dev/null || { echo "build-bpf: bpftool not found (apt-get install bpftool)" >&2; exit 1; }
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/include/vmlinux.h.tmp
  mv bpf/include/vmlinux.h.tmp bpf/include/vmlinux.h
fi

ARCH_DEFINE=-D__TARGET_ARCH_x86
case "$(uname -m)" in aarch64) ARCH_DEFINE=-D__TARGET_ARCH_arm64 ;; esac
# -fdebug-prefix-map keeps the objects identical whatever the checkout path.
CFLAGS=(-g -O2 -Wall -Werror -Wno-unused-function "$ARCH_DEFINE" -Ibpf/include
        -fno-ident "-fdebug-prefix-map=$PWD=." -fno-stack-protector)

build() {
  local src=$1 target=$2 out=$3
  "$CLANG" "${CFLAGS[@]}" -target "$target" -c "$src" -o "$out.tmp"
  mv "$out.tmp" "$out"
  echo "  $out"
}

if [ $# -gt 0 ]; then srcs=("$@"); else mapfile -t srcs < <(find bpf -name '*.bpf.c' -not -path 'bpf/include/*' | sort); fi
for src in "${srcs[@]}"; do
  base=${src%.bpf.c}
  build "$src" bpfel "$base.bpf.o"
  case "$src" in bpf/test/*) build "$src" bpfeb "$base.bpfeb.o" ;; esac
done
