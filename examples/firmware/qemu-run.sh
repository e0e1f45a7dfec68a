#!/usr/bin/env bash
# Boots a firmware ELF on QEMU and passes it arguments over semihosting.
# It is the cargo runner (.cargo/config.toml), so from this folder
#
#   cargo run --release -- 10.0.2.100:7777 sensor-7
#
# runs: qemu-run.sh target/thumbv7em-none-eabihf/release/jim-firmware 10.0.2.100:7777 sensor-7
#
# Board: mps2-an386 (Cortex-M4F), or mps2-an385 (Cortex-M3) for an ELF built
# for thumbv7m-none-eabi. Network: QEMU user mode, restricted (no route out),
# with one forward: the guest's 10.0.2.100:7777 is the host's
# ${JIM_HOST_ADDR:-127.0.0.1}:${JIM_HOST_PORT:-7777}. QEMU opens that host
# connection when it starts, so the server must already listen; there is one
# connection per QEMU run (see JIM_QEMU_NET below for more). With the argument --sizes the firmware only prints
# sizes, and QEMU runs without the forward (and needs no server). The
# firmware ends QEMU itself (semihosting exit): status 0 on success, 1 on
# failure.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 FIRMWARE.elf [ARGS...]" >&2
    exit 2
fi
elf=$1
shift

case "$elf" in
    *thumbv7m-none-eabi/*) machine=mps2-an385 cpu=cortex-m3 ;;
    *) machine=mps2-an386 cpu=cortex-m4 ;;
esac

host_addr=${JIM_HOST_ADDR:-127.0.0.1}
host_port=${JIM_HOST_PORT:-7777}
nic="user,restrict=on,guestfwd=tcp:10.0.2.100:7777-tcp:${host_addr}:${host_port}"
# JIM_QEMU_NET=open: unrestricted user networking, no forward (the guest
# dials 10.0.2.2:PORT, the host's 127.0.0.1:PORT, as often as it likes).
# Only inside a network namespace that has nothing but `lo`, as
# qemu-e2e.sh's reconnect test runs it.
if [[ ${JIM_QEMU_NET:-} == open ]]; then nic=user; fi
# `--sizes` only prints and exits: no network (and no server) needed.
for arg in "$@"; do
    if [[ $arg == --sizes ]]; then nic=user,restrict=on; fi
done

qemu=(
    qemu-system-arm -cpu "$cpu" -machine "$machine"
    -display none -monitor none -serial none
    -semihosting-config enable=on,target=native
    -nic "$nic"
    -kernel "$elf"
)
if [[ $# -gt 0 ]]; then
    qemu+=(-append "$*")
fi
exec "${qemu[@]}"
