#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) to build, test and run ebpf-ts:
# apt packages (clang-19 toolchain for BPF C, libbpf/bpftool as test oracles and bench baseline),
# npm ci, build, and the bpffs/tracefs mounts the kernel tests and examples need.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then echo "setup: run as root (apt-get, mount, bpf(2))" >&2; exit 1; fi

PKGS=(clang-19 llvm-19 libbpf-dev bpftool gcc libc6-dev systemtap-sdt-dev binutils)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
if ! mountpoint -q /sys/kernel/tracing; then mount -t tracefs tracefs /sys/kernel/tracing || true; fi

if [ -n "${CI:-}" ] || [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run build
