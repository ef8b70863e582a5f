#!/bin/bash
# vmrun.sh - run one command inside another Debian kernel under QEMU (TCG or KVM).
#
#   vmrun.sh [options] -- COMMAND [ARGS...]
#
# The guest kernel is a Debian linux-image package, fetched with `apt-get download`
# and unpacked with `dpkg -x` into a cache (nothing is installed into /boot).
# The host's root filesystem is shared read-only into the guest over virtio-9p,
# with a tmpfs overlay on top, so the guest runs the host's own binaries
# (bash, node, the test suite) in the host's current directory. The command's
# stdout and stderr stream to this script's stdout and stderr (through virtio
# consoles; the command sees pipes, not a tty); its exit code is this script's
# exit code. Kept in ebpf-ts as scripts/vmtest/vmrun.sh (from the shared vmtest study); the matrix runner
# scripts/test-kernels.ts drives it. README section "Kernel matrix" and the comments below explain it.
set -euo pipefail

SELF=$(basename "$0")
die() { echo "$SELF: $*" >&2; exit 125; }
log() { [ "$VERBOSE" = 1 ] && echo "$SELF: $*" >&2 || true; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

KERNEL=""             # ABI name, e.g. 6.1.0-47-amd64; empty = whatever linux-image-amd64 points at
SUITE=""              # another Debian suite to take the kernel from (e.g. trixie, bookworm-backports)
FLAVOUR=amd64         # used to pick the meta package: linux-image-$FLAVOUR
MEM=${VMRUN_MEM:-2048}
CPUS=${VMRUN_CPUS:-1}                  # 2 vCPUs on a 2-core host under TCG measured ~2x slower than 1
TIMEOUT=${VMRUN_TIMEOUT:-1800}
TMPFS_SIZE=${VMRUN_TMPFS_SIZE:-}          # size of the writable layer, default: half of guest RAM
CACHE=${VMRUN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmrun}
LSM_LIST=${VMRUN_LSM:-lockdown,capability,landlock,yama,apparmor,bpf}
APPEND=""
VERBOSE=0
SHOW_CONSOLE=0
KEEP=0
RW_PATHS=()
ENV_VARS=()

usage() {
	sed -n '/^# Usage:/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
# Usage:
#   vmrun.sh [options] -- COMMAND [ARGS...]
# Options:
#   --kernel VER     Debian kernel ABI, e.g. 6.1.0-47-amd64 (default: the one
#                    linux-image-amd64 depends on in the chosen suite)
#   --suite SUITE    take the kernel from another Debian suite (trixie,
#                    bookworm-backports, sid...) through a private apt state in
#                    the cache; the host's apt configuration is not touched
#   --mem MB         guest RAM (default 2048)
#   --cpus N         guest vCPUs (default 1: faster than 2 under TCG on 2 cores)
#   --timeout SEC    kill the VM after SEC seconds, exit 124 (default 1800)
#   --rw PATH        make host PATH writable in the guest (9p, same path); repeatable
#   --env NAME=VAL   set a variable in the guest; repeatable (PATH, HOME, LANG,
#                    TERM, CI and the current directory are passed by default)
#   --append ARGS    extra kernel command line
#   --console        copy the guest kernel console to stderr
#   --keep           keep the run folder (console log, timings)
#   -v, --verbose    print timings and steps to stderr
#   --prepare        only fetch the kernel and build the initramfs, then exit
# Environment: VMRUN_CACHE (cache folder, default ~/.cache/vmrun), VMRUN_MEM,
#   VMRUN_CPUS, VMRUN_TIMEOUT, VMRUN_LSM, VMRUN_ACCEL (tcg|kvm; default: kvm
#   when /dev/kvm is usable and the CPU has hardware virtualization, else tcg;
#   a KVM boot that fails before the command starts is retried once under tcg),
#   VMRUN_9P_CACHE (9p cache mode of the shared root, default loose: fast, but
#   files changed on the host during a run may read stale or cut short; use
#   none for a tree that is being edited), VMRUN_MACHINE (default pc),
#   VMRUN_QEMU_ARGS (extra qemu arguments, appended), VMRUN_BZIMAGE=1 (boot the
#   compressed bzImage instead of the extracted vmlinux).
# Exit code: the command's; 124 on timeout; 125 when the VM itself failed.

PREPARE_ONLY=0
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "$SELF: $1 needs a value" >&2; exit 125; }; }
need_num() { need_arg "$@"; case "$2" in *[!0-9]* | 0*) echo "$SELF: $1 needs a positive number, got '$2'" >&2; exit 125 ;; esac; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel | --suite | --flavour | --rw | --env | --append) need_arg "$@" ;;&
	--mem | --cpus | --timeout) need_num "$@" ;;&
	--kernel) KERNEL=$2; shift 2 ;;
	--suite) SUITE=$2; shift 2 ;;
	--flavour) FLAVOUR=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--cpus) CPUS=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--rw) RW_PATHS+=("$(realpath -e "$2")") || die "--rw $2: no such path"; shift 2 ;;
	--env)
		[[ "$2" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$2'"
		ENV_VARS+=("$2"); shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--console) SHOW_CONSOLE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-v | --verbose) VERBOSE=1; shift ;;
	--prepare) PREPARE_ONLY=1; shift ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	*) echo "$SELF: unknown option $1" >&2; usage 125 >&2 ;;
	esac
done
[ $# -gt 0 ] || [ "$PREPARE_ONLY" = 1 ] || usage 125 >&2
for v in MEM CPUS TIMEOUT; do
	case "${!v}" in '' | *[!0-9]* | 0*) die "VMRUN_$v / --${v,,} must be a positive number, got '${!v}'" ;; esac
done
[ "$(id -u)" = 0 ] || die "needs root (mknod for the initramfs, reading the whole root filesystem)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: apt-get install qemu-system-x86"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -x insmod >/dev/null || die "static busybox missing: apt-get install busybox-static"
T_START=$(now)

mkdir -p "$CACHE/debs" "$CACHE/kernels" "$CACHE/initramfs"
CACHE=$(realpath "$CACHE")
# one preparation at a time per cache (parallel runs share the kernels)
exec 9>"$CACHE/.lock"
flock 9

# ---- apt access: the host's, or a private state for another suite -------------
APT_OPTS=()
if [ -n "$SUITE" ]; then
	A="$CACHE/apt/$SUITE"
	mkdir -p "$A/lists/partial" "$A/archives/partial" "$A/etc/preferences.d" "$A/etc/apt.conf.d"
	case "$SUITE" in
	*-security) URI=http://deb.debian.org/debian-security ;;
	*) URI=http://deb.debian.org/debian ;;
	esac
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$URI" "$SUITE" >"$A/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/etc/none"
		-o "Dir::Etc::Preferences=$A/etc/none" -o "Dir::Etc::PreferencesParts=$A/etc/preferences.d"
		-o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A" -o "Dir::State::status=/dev/null"
		-o "APT::Architecture=amd64" -o "APT::Architectures::=amd64")
fi
APT_READY=0
apt_ready() { # refresh the private lists of --suite when missing or older than a day
	[ -n "$SUITE" ] && [ "$APT_READY" = 0 ] || return 0
	if ! compgen -G "$A/lists/*_Packages*" >/dev/null || [ -n "$(find "$A/lists" -maxdepth 0 -mmin +1440)" ]; then
		log "apt-get update for suite $SUITE"
		if apt-get "${APT_OPTS[@]}" update -qq >&2; then
			touch "$A/lists"
		elif compgen -G "$A/lists/*_Packages*" >/dev/null; then
			echo "$SELF: apt-get update for suite $SUITE failed; using the lists from $(date -r "$A/lists" +%F)" >&2
		else
			die "apt-get update for suite $SUITE failed"
		fi
	fi
	APT_READY=1
}

# extract_vmlinux BZIMAGE OUT: the ELF vmlinux inside a bzImage, kept only if it
# has the PVH entry note (Xen note type 18) that qemu needs to boot it directly.
extract_vmlinux() {
	local magic dec off
	for pair in '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08\x00:gzip -dc'; do
		magic=${pair%%:*} dec=${pair#*:}
		command -v "${dec%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 | head -3); do
			tail -c +$((off + 1)) "$1" | $dec >"$2" 2>/dev/null || true # trailing data after the stream is expected
			if [ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
				{ ! command -v readelf >/dev/null || readelf -n "$2" 2>/dev/null | grep 0x00000012 >/dev/null; }; then
				return 0
			fi
		done
	done
	rm -f "$2"
	return 0
}

if [ -z "$KERNEL" ]; then
	apt_ready
	KERNEL=$(apt-cache "${APT_OPTS[@]}" depends "linux-image-$FLAVOUR" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | sed -n 1p)
	[ -n "$KERNEL" ] || die "cannot resolve linux-image-$FLAVOUR (run apt-get update?)"
fi
KDIR="$CACHE/kernels/$KERNEL"
MODDIR="$KDIR/lib/modules/$KERNEL"

# ---- kernel: apt-get download + dpkg -x (never installed) -----------------------
fetch_deb() { # $1 = package; prints the path of its .deb in the cache
	local deb
	deb=$(ls "$CACHE"/debs/"$1"_*.deb 2>/dev/null | tail -1 || true)
	if [ -z "$deb" ]; then
		(cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download "$1" 2>&1 |
			{ grep -v '^W: Download is performed unsandboxed' || true; } >&2) || die "apt-get download $1 failed"
		deb=$(ls "$CACHE"/debs/"$1"_*.deb | tail -1)
	fi
	echo "$deb"
}
if [ ! -f "$KDIR/.complete" ]; then
	log "fetching linux-image-$KERNEL"
	apt_ready
	rm -rf "$KDIR"
	mkdir -p "$KDIR"
	PKG=linux-image-$KERNEL
	# Debian ships the same kernel signed and -unsigned; either will do.
	apt-cache "${APT_OPTS[@]}" show "$PKG" >/dev/null 2>&1 || PKG=linux-image-$KERNEL-unsigned
	DEB=$(fetch_deb "$PKG")
	dpkg -x "$DEB" "$KDIR"
	if [ ! -f "$KDIR/boot/vmlinuz-$KERNEL" ]; then
		# newer suites split the image: linux-binary-VER (vmlinuz), linux-modules-VER, ...
		for p in $(dpkg-deb -f "$DEB" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | grep -F -- "-$KERNEL"); do
			dpkg -x "$(fetch_deb "$p")" "$KDIR"
		done
	fi
	# newer suites keep vmlinuz and config in /usr/lib/modules/VER/ instead of /boot
	mkdir -p "$KDIR/boot"
	for f in vmlinuz config System.map; do
		[ -e "$KDIR/boot/$f-$KERNEL" ] || [ ! -e "$KDIR/usr/lib/modules/$KERNEL/$f" ] ||
			ln -s "../usr/lib/modules/$KERNEL/$f" "$KDIR/boot/$f-$KERNEL"
	done
	[ -f "$KDIR/boot/vmlinuz-$KERNEL" ] || die "no vmlinuz-$KERNEL in $PKG or the packages it depends on"
	# trixie and later ship modules under /usr/lib/modules only
	[ -d "$KDIR/usr/lib/modules" ] && [ ! -e "$KDIR/lib" ] && ln -s usr/lib "$KDIR/lib"
	# kmod's depmod takes seconds; busybox's works too but is slow on .ko.xz modules
	if command -v depmod >/dev/null; then
		depmod -b "$KDIR" "$KERNEL" || die "depmod failed"
	else
		"$BUSYBOX" depmod -b "$KDIR" "$KERNEL" || die "depmod failed"
	fi
	extract_vmlinux "$KDIR/boot/vmlinuz-$KERNEL" "$KDIR/boot/vmlinux-$KERNEL"
	touch "$KDIR/.complete"
fi
# Under TCG, decompressing the bzImage costs seconds; an uncompressed ELF vmlinux
# with a PVH entry note boots straight away (qemu -kernel vmlinux).
VMLINUZ="$KDIR/boot/vmlinuz-$KERNEL"
[ -s "$KDIR/boot/vmlinux-$KERNEL" ] && [ "${VMRUN_BZIMAGE:-0}" != 1 ] && VMLINUZ="$KDIR/boot/vmlinux-$KERNEL"

# ---- initramfs: busybox + the few modules needed to reach the 9p root -----------
# Modules built in (=y) are skipped; the rest are resolved through modules.dep.
WANT_MODS="virtio_pci virtio_console 9pnet_virtio 9p overlay"
read -r -d '' GUEST_INIT <<'INIT_EOF' || true
#!/bin/busybox sh
# vmrun guest init (PID 1): mount the shared host root read-only with a tmpfs
# overlay, run the command in it, record its exit code, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "vmrun-init: $*" >/dev/console; poweroff -f; }
for m in $(cat /lib/modules/load.order); do
	insmod "/lib/modules/$m.ko" || echo "vmrun-init: insmod $m failed" >/dev/console
done
RUNDIR= TMPFS= RW= MODS= P9CACHE= KBOOT=
for w in $(cat /proc/cmdline); do
	case "$w" in
	vmrun_dir=*) RUNDIR=${w#*=} ;;
	vmrun_tmpfs=*) TMPFS=${w#*=} ;;
	vmrun_rw=*) RW=${w#*=} ;;
	vmrun_mods=*) MODS=${w#*=} ;;
	vmrun_9pcache=*) P9CACHE=${w#*=} ;;
	vmrun_kboot=*) KBOOT=${w#*=} ;;
	esac
done
P9="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /lower /rw /newroot
mount -t 9p -o "$P9,ro,cache=${P9CACHE:-loose}" hostroot /lower || fail "mounting the host root failed"
mount -t tmpfs -o "mode=0755,size=$TMPFS" rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "overlay failed"
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
mount -t tmpfs -o mode=0755 run $R/run
mount -t bpf bpf $R/sys/fs/bpf
mount -t tracefs tracefs $R/sys/kernel/tracing
mount -t debugfs debugfs $R/sys/kernel/debug
mount -t securityfs securityfs $R/sys/kernel/security
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
# the guest kernel's own modules, for modprobe inside the guest
if [ -n "$MODS" ]; then
	mkdir -p "$R/lib/modules/$(uname -r)"
	mount --bind "$R$MODS" "$R/lib/modules/$(uname -r)"
fi
# /boot/config-VER and System.map-VER of the guest kernel, as an installed Debian kernel has them
# (Debian kernels have no /proc/config.gz; libbpf-style loaders read /boot/config-$(uname -r))
if [ -n "$KBOOT" ] && mkdir -p "$R/boot"; then
	for f in config System.map; do
		[ -e "$R$KBOOT/$f-$(uname -r)" ] && cp "$R$KBOOT/$f-$(uname -r)" "$R/boot/" 2>/dev/null
	done
fi
mkdir -p "$R$RUNDIR"
mount -t 9p -o "$P9,rw" vmrun "$R$RUNDIR" || fail "mounting the run folder failed"
i=0
for p in $(echo "$RW" | tr ',' ' '); do
	mkdir -p "$R$p"
	mount -t 9p -o "$P9,rw" "rw$i" "$R$p" || echo "vmrun-init: rw mount of $p failed" >/dev/console
	i=$((i + 1))
done
hostname vmrun
# loopback only (-nic none): tests talk to 127.0.0.1 (XDP, tcx, sk_lookup, netfilter on lo)
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || echo "vmrun-init: bringing up lo failed" >/dev/console
# stdout -> hvc0, stderr -> hvc1; through pipes, so that the command sees no tty.
# The consoles stay open (fd 3, 4): a tty's raw mode is lost at its last close.
exec 3<>/dev/hvc0 4<>/dev/hvc1
stty raw -echo -onlcr <&3
stty raw -echo -onlcr <&4
mkfifo /stderr.fifo
cat /stderr.fifo >&4 &
cut -d' ' -f1 /proc/uptime >"$R$RUNDIR/uptime_start"
{
	chroot $R /bin/bash "$RUNDIR/cmd.sh" </dev/null 2>/stderr.fifo 3>&- 4>&-
	echo $? >/rc
} | cat >&3
wait
cut -d' ' -f1 /proc/uptime >"$R$RUNDIR/uptime_end"
cat /rc >"$R$RUNDIR/rc"
sync
umount "$R$RUNDIR" 2>/dev/null
poweroff -f
INIT_EOF

INITRD_KEY=$(printf '%s\n%s\n%s\n' "$GUEST_INIT" "$WANT_MODS" "$("$BUSYBOX" --help 2>&1 | sed -n 1p)" | md5sum | cut -c1-12)
INITRD="$CACHE/initramfs/$KERNEL-$INITRD_KEY.cpio.gz"
if [ ! -s "$INITRD" ]; then
	log "building $INITRD"
	T=$(mktemp -d "$CACHE/initramfs/build.XXXXXX")
	mkdir -p "$T/bin" "$T/dev" "$T/proc" "$T/sys" "$T/lib/modules"
	cp "$BUSYBOX" "$T/bin/busybox"
	mknod -m 600 "$T/dev/console" c 5 1
	printf '%s\n' "$GUEST_INIT" >"$T/init"
	chmod 755 "$T/init"
	declare -A SEEN=()
	ORDER=()
	add_mod() { # $1 = module name; depth-first so dependencies come first
		local name=${1//-/_} path dep
		[ -n "${SEEN[$name]:-}" ] && return 0
		SEEN[$name]=1
		if grep -q "/${name}.ko\$" "$MODDIR/modules.builtin" 2>/dev/null ||
			grep -q "/${1}.ko\$" "$MODDIR/modules.builtin" 2>/dev/null; then
			return 0
		fi
		path=$(grep -m1 -E "(^|/)(${name}|${name//_/-})\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | cut -d: -f1)
		[ -n "$path" ] || die "module $1 not found for $KERNEL"
		for dep in $(grep -E "^${path}:" "$MODDIR/modules.dep" | cut -d: -f2-); do
			dep=$(basename "$dep"); add_mod "${dep%%.ko*}"
		done
		case "$path" in
		*.ko) cp "$MODDIR/$path" "$T/lib/modules/$name.ko" ;;
		*.ko.xz) xz -dc "$MODDIR/$path" >"$T/lib/modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$MODDIR/$path" >"$T/lib/modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$MODDIR/$path" >"$T/lib/modules/$name.ko" ;;
		esac
		ORDER+=("$name")
	}
	for m in $WANT_MODS; do add_mod "$m"; done
	printf '%s\n' "${ORDER[@]}" >"$T/lib/modules/load.order"
	(cd "$T" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$INITRD.tmp"
	mv "$INITRD.tmp" "$INITRD"
	rm -rf "$T"
fi
exec 9>&-
T_PREPARED=$(now)
log "kernel $KERNEL ready ($(printf '%.1f' "$(sub "$T_PREPARED" "$T_START")") s to prepare)"
[ "$PREPARE_ONLY" = 1 ] && exit 0

# ---- the run folder: command script in, exit code and logs out ------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/vmrun.XXXXXX")
RUN=$(realpath "$RUN")
cleanup() { [ "$KEEP" = 1 ] && echo "$SELF: run folder kept: $RUN" >&2 || rm -rf "$RUN"; }
trap cleanup EXIT
{
	echo "# generated by $SELF"
	for v in PATH HOME LANG LC_ALL TERM CI; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	[ -n "${HOME:-}" ] || echo 'export HOME=/root'
	for kv in "${ENV_VARS[@]}"; do printf 'export %q\n' "$kv"; done
	printf 'cd %q || exit 125\n' "$(pwd)"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$RUN/cmd.sh"

if [ -z "$TMPFS_SIZE" ]; then TMPFS_SIZE=$((MEM / 2))m; fi
ACCEL=${VMRUN_ACCEL:-}
ACCEL_AUTO=0
if [ -z "$ACCEL" ]; then
	ACCEL_AUTO=1
	# A writable /dev/kvm is not enough: nested setups without hardware virtualization
	# (e.g. kvm-pvm in Firecracker VMs) expose one that cannot run a stock kernel.
	if [ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo; then ACCEL=kvm; else ACCEL=tcg; fi
fi
case "$ACCEL" in kvm | tcg) ;; *) die "VMRUN_ACCEL must be kvm or tcg, got '$ACCEL'" ;; esac
accel_opts() {
	if [ "$1" = kvm ]; then
		ACCEL_OPTS=(-accel kvm -cpu host)
	else
		# shellcheck disable=SC2054 # the comma is qemu's
		ACCEL_OPTS=(-accel tcg,thread=multi -cpu max)
	fi
}

RW_ARG=""
VIRTFS_RW=()
i=0
for p in "${RW_PATHS[@]}"; do
	VIRTFS_RW+=(-virtfs "local,path=$p,mount_tag=rw$i,security_model=none,multidevs=remap")
	RW_ARG="${RW_ARG:+$RW_ARG,}$p"
	i=$((i + 1))
done
case "$RUN$RW_ARG$MODDIR$KDIR" in *' '*) die "paths with spaces are not supported" ;; esac

CMDLINE="console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 mitigations=off"
CMDLINE="$CMDLINE lsm=$LSM_LIST vmrun_dir=$RUN vmrun_tmpfs=$TMPFS_SIZE vmrun_mods=$MODDIR"
CMDLINE="$CMDLINE vmrun_9pcache=${VMRUN_9P_CACHE:-loose} vmrun_kboot=$KDIR/boot"
[ -n "$RW_ARG" ] && CMDLINE="$CMDLINE vmrun_rw=$RW_ARG"
CMDLINE="$CMDLINE $APPEND"

# Ctrl-C / SIGTERM: stop qemu (found through its pid file: /usr/bin/time and timeout
# do not pass signals on), let the readers drain, exit 128+signal.
STOP_SIGNAL=""
on_signal() { # $1 = signal name, $2 = its number
	[ -n "$STOP_SIGNAL" ] && return 0
	STOP_SIGNAL=$1
	if [ -s "$RUN/qemu.pid" ]; then
		kill -TERM "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
	elif [ -z "${QPID:-}" ]; then
		echo "$SELF: stopped by SIG$1" >&2
		exit $((128 + $2))
	fi
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

# boot ACCEL: one qemu run; sets QRC (qemu's or timeout's exit code) and T_QEMU/T_END
boot() {
	accel_opts "$1"
	# shellcheck disable=SC2206,SC2054 # VMRUN_QEMU_ARGS is split on purpose; commas are qemu's
	QEMU=(qemu-system-x86_64 -nodefaults -no-user-config -machine "${VMRUN_MACHINE:-pc}" "${ACCEL_OPTS[@]}"
		-smp "$CPUS" -m "$MEM" -display none -vga none -no-reboot -nic none
		-kernel "$VMLINUZ" -initrd "$INITRD" -append "$CMDLINE"
		-serial "file:$RUN/console.log" -pidfile "$RUN/qemu.pid"
		-chardev "file,id=out,path=$RUN/stdout.fifo" -chardev "file,id=err,path=$RUN/stderr.fifo"
		-device virtio-serial-pci -device virtconsole,chardev=out -device virtconsole,chardev=err
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$RUN,mount_tag=vmrun,security_model=none,multidevs=remap"
		"${VIRTFS_RW[@]}" ${VMRUN_QEMU_ARGS:-})
	log "qemu: ${QEMU[*]}"
	log "kernel $KERNEL, accel $1, $CPUS vCPU, $MEM MiB: booting"
	rm -f "$RUN/stdout.fifo" "$RUN/stderr.fifo" "$RUN/qemu.pid" "$RUN/rc" "$RUN/uptime_start" "$RUN/uptime_end"
	: >"$RUN/console.log"
	local tail_pid="" out_pid err_pid time_cmd=()
	if [ "$SHOW_CONSOLE" = 1 ]; then
		tail -n +1 -f "$RUN/console.log" >&2 &
		tail_pid=$!
	fi
	# the guest's stdout/stderr arrive through two FIFOs (qemu blocks opening them until
	# these readers are there, and they end when qemu exits)
	mkfifo "$RUN/stdout.fifo" "$RUN/stderr.fifo"
	cat "$RUN/stdout.fifo" &
	out_pid=$!
	cat "$RUN/stderr.fifo" >&2 &
	err_pid=$!
	[ -x /usr/bin/time ] && time_cmd=(/usr/bin/time -f %M -o "$RUN/qemu.time")
	T_QEMU=$(now)
	set +e
	# --foreground: timeout and qemu stay in our process group, so Ctrl-C reaches qemu and
	# a caller that kills our group stops it too. In the background so that traps run.
	"${time_cmd[@]}" timeout --foreground -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null &
	QPID=$!
	while :; do
		wait "$QPID"
		QRC=$?
		kill -0 "$QPID" 2>/dev/null || break
		# a signal came in (wait returned early): qemu may not have written its pid file yet
		while [ -n "$STOP_SIGNAL" ] && kill -0 "$QPID" 2>/dev/null; do
			if [ -s "$RUN/qemu.pid" ]; then kill -TERM "$(cat "$RUN/qemu.pid")" 2>/dev/null || true; fi
			sleep 0.5
		done
	done
	# unblock the readers if qemu died before opening the FIFOs
	for f in stdout stderr; do exec 3<>"$RUN/$f.fifo"; exec 3>&-; done
	wait "$out_pid" "$err_pid"
	set -e
	T_END=$(now)
	if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
}

boot "$ACCEL"
if [ "$ACCEL" = kvm ] && [ "$ACCEL_AUTO" = 1 ] && [ -z "$STOP_SIGNAL" ] && [ "$QRC" != 124 ] &&
	[ ! -e "$RUN/uptime_start" ]; then
	echo "$SELF: the KVM boot failed before the command started (qemu exit $QRC); retrying under TCG" >&2
	tail -n 5 "$RUN/console.log" >&2 || true
	ACCEL=tcg
	boot tcg
fi

if [ -n "$STOP_SIGNAL" ]; then
	echo "$SELF: stopped by SIG$STOP_SIGNAL" >&2
	case "$STOP_SIGNAL" in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
fi
if [ "$QRC" = 124 ]; then
	echo "$SELF: timed out after $TIMEOUT s" >&2
	tail -n 20 "$RUN/console.log" >&2 || true
	exit 124
fi
if [ ! -s "$RUN/rc" ]; then
	echo "$SELF: the VM stopped without a result (qemu exit $QRC); last console lines:" >&2
	tail -n 30 "$RUN/console.log" >&2 || true
	exit 125
fi
RC=$(cat "$RUN/rc")
if [ "$VERBOSE" = 1 ]; then
	MAXRSS_KB=$(tail -1 "$RUN/qemu.time" 2>/dev/null || echo 0)
	case "$MAXRSS_KB" in '' | *[!0-9]*) MAXRSS_KB=0 ;; esac
	US=$(cat "$RUN/uptime_start" 2>/dev/null || echo 0) UE=$(cat "$RUN/uptime_end" 2>/dev/null || echo 0)
	{
		printf '%s: kernel %s, accel %s, %s vCPU, %s MiB\n' "$SELF" "$KERNEL" "$ACCEL" "$CPUS" "$MEM"
		printf '%s: prepare %.2f s | qemu total %.2f s | guest uptime at command start %.2f s | command %.2f s | qemu max RSS %d MiB | exit %s\n' \
			"$SELF" "$(sub "$T_QEMU" "$T_START")" "$(sub "$T_END" "$T_QEMU")" \
			"$US" "$(sub "$UE" "$US")" "$((MAXRSS_KB / 1024))" "$RC"
	} >&2
fi
exit "$RC"
