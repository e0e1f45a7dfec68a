#!/usr/bin/env bash
# End-to-end test: the JIM client firmware, on an emulated Cortex-M4F with an
# emulated LAN9118 (QEMU mps2-an386), handshakes with the project's real
# desktop server (jim-std's `server` example) over QEMU's user-mode network.
#
#   bash examples/firmware/qemu-e2e.sh
#
# For each firmware binary (jim-firmware: embassy-net + jim-core's async
# Connection; blocking: smoltcp + jim-core's blocking Connection) it starts
# QEMU under `timeout` with the guest's 10.0.2.100:7777 forwarded to the
# server, and asserts that QEMU exits 0 (the firmware got a 2xx) and that the
# server logged `client <name> connected` for the run's unique account name.
#
# Needs: qemu-system-arm, the thumbv7em-none-eabihf Rust target.
# Environment: QEMU_TIMEOUT (seconds per run, default 60).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fw_target="$here/target"
server_target="${CARGO_TARGET_DIR:-$root/target}"
qemu_timeout=${QEMU_TIMEOUT:-60}

work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    if [[ -s $work/server.log ]]; then
        echo "--- server log"
        cat "$work/server.log"
    fi
    exit 1
}

command -v qemu-system-arm >/dev/null || fail "qemu-system-arm not found (apt-get install qemu-system-arm)"

echo "== building the firmware (release)"
(cd "$here" && cargo build --release --bins --target-dir "$fw_target")

echo "== building the server (jim-std example)"
(cd "$root" && cargo build -p jim-std --example server)
server="$server_target/debug/examples/server"
[[ -x $server ]] || fail "server binary not found at $server"

echo "== starting the server"
"$server" --addr 127.0.0.1 --port 0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^jim server listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/server.out")
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "server exited before listening"
    sleep 0.1
done
[[ -n $port ]] || fail "server did not report its port within 10 s"
echo "server listening on 127.0.0.1:$port (pid $server_pid)"

passed=0
failed=0

# run_firmware BIN: boots target/.../BIN with a unique account name.
run_firmware() {
    local bin=$1
    local elf="$fw_target/thumbv7em-none-eabihf/release/$bin"
    # Unique per run and within JIM's 25-character name limit.
    local name tag=async
    [[ $bin == blocking ]] && tag=block
    name="fw-$tag-$$-$RANDOM"
    echo
    echo "== $bin: QEMU mps2-an386, guest 10.0.2.100:7777 -> host 127.0.0.1:$port, account $name"
    local start end rc
    start=$(date +%s.%N)
    set +e
    JIM_HOST_PORT=$port timeout "$qemu_timeout" "$here/qemu-run.sh" "$elf" \
        10.0.2.100:7777 "$name" "$(date +%s)" 2>&1 | tee "$work/$bin.out"
    rc=${PIPESTATUS[0]}
    set -e
    end=$(date +%s.%N)
    local secs
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')

    local logged=no
    for _ in $(seq 20); do
        if grep -qF "client $name connected" "$work/server.log"; then
            logged=yes
            break
        fi
        sleep 0.1
    done

    if [[ $rc -eq 0 && $logged == yes ]]; then
        echo "PASS: $bin — QEMU exit code 0, server logged 'client $name connected', ${secs} s"
        passed=$((passed + 1))
    else
        local why="QEMU exit code $rc"
        [[ $rc -eq 124 ]] && why="$why (timed out after ${qemu_timeout} s)"
        echo "FAIL: $bin — $why, server logged connect: $logged, ${secs} s"
        failed=$((failed + 1))
    fi
}

run_firmware jim-firmware
run_firmware blocking

echo
echo "--- server log"
cat "$work/server.log"
echo
echo "qemu-e2e: $passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
    exit 1
fi
