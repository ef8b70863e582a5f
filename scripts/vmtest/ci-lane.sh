#!/usr/bin/env bash
# CI lane of the kernel matrix: the kernel-facing tests (scripts/vmtest/config.ts) inside Debian trixie's
# kernel (6.12 LTS) under qemu, as 2 guests of 1 vCPU side by side, with a budget for the whole lane so that
# CI stays under 45 minutes. Runs as root on a Debian machine after scripts/setup.sh (node_modules present).
#
#   bash scripts/vmtest/ci-lane.sh
#
# Environment: EBPF_TS_LANE_BUDGET (seconds for the whole lane, default 1500), EBPF_TS_LANE_KERNEL
# (default trixie), EBPF_TS_LANE_LOG_DIR (default /tmp/ebpf-ts-kernel-lane), VMRUN_CACHE (default
# /var/cache/ebpf-ts-vmrun; keep it between CI runs to skip the 100 MB kernel download).
# Exit code: 0 when the kernel passed; 1 on a failed, cancelled or disallowed-skipped test, a guest timeout or
# a VM failure; 2 on a usage error; 124 if even the runner had to be killed.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUDGET=${EBPF_TS_LANE_BUDGET:-1500}
KERNEL=${EBPF_TS_LANE_KERNEL:-trixie}
LOG_DIR=${EBPF_TS_LANE_LOG_DIR:-/tmp/ebpf-ts-kernel-lane}
export VMRUN_CACHE=${VMRUN_CACHE:-/var/cache/ebpf-ts-vmrun}
case "$BUDGET" in '' | *[!0-9]* | 0*) echo "ci-lane: EBPF_TS_LANE_BUDGET must be a number of seconds" >&2; exit 2 ;; esac

if [ "$(id -u)" != 0 ]; then echo "ci-lane: run as root (qemu, reading the whole root filesystem)" >&2; exit 2; fi
PKGS=(qemu-system-x86 busybox-static kmod)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

rm -rf "$LOG_DIR"
# The runner freezes a copy of the checkout and transpiles it, so guests start plain node, not tsx.
# Per guest: the budget minus the kernel download/unpack (about 1 minute cold). The runner stops everything
# at the budget and still prints its summary; the outer timeout only catches a runner that hangs itself.
GUEST_TIMEOUT=$((BUDGET > 240 ? BUDGET - 120 : BUDGET))
set +e
timeout -k 30 $((BUDGET + 120)) node --import tsx scripts/test-kernels.ts \
  --kernel "$KERNEL" --jobs 2 --timeout "$GUEST_TIMEOUT" --total-timeout "$BUDGET" --log-dir "$LOG_DIR"
rc=$?
set -e
if [ "$rc" != 0 ]; then
  echo "ci-lane: kernel lane $KERNEL failed (exit $rc); TAP and stderr of each guest in $LOG_DIR" >&2
  for f in "$LOG_DIR"/*.stderr; do
    [ -s "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
fi
exit "$rc"
