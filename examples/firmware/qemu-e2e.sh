#!/usr/bin/env bash
# End-to-end test: the JIM client firmware, on an emulated Cortex-M4F with an
# emulated LAN9118 (QEMU mps2-an386), against the project's real desktop
# server (jim-std's `server` example), with a desktop client (jim-std's
# `client` example, scripted through its stdin) in the same room.
#
#   bash examples/firmware/qemu-e2e.sh
#
# 1. chat (QEMU user-mode network, restrict=on, one guestfwd to 127.0.0.1):
#    the firmware joins #sensors and posts a reading a second; the desktop
#    client joins #sensors, must see three readings, sends the firmware
#    `ping`, must get `pong` back, then sends `bye`; QEMU must exit 0.
# 2. handshake (the `blocking` binary: smoltcp + jim-core's blocking
#    Connection): QEMU exits 0 and the server logged the client.
# 3. reconnect, in a network namespace this script creates (needs root and
#    `ip netns`; skipped with a message otherwise): the server is killed
#    while the firmware is in the room and restarted on the same port; the
#    firmware must reconnect and rejoin (a desktop client sees readings
#    again), and exit 0 on `bye`. Inside the namespace, which has only `lo`,
#    QEMU's user network is unrestricted: the guest dials 10.0.2.2:PORT, the
#    namespace's 127.0.0.1. QEMU's guestfwd cannot do this: it opens its one
#    host connection at start-up and never tells the guest it closed.
#
# Every wait is bounded; QEMU runs under `timeout` and the firmware has its
# own deadline. Needs: qemu-system-arm, the thumbv7em-none-eabihf target.
# Environment: QEMU_TIMEOUT (seconds per QEMU run, default 120),
# JIM_E2E_NETNS=0 to skip the namespace test.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fw_target="$here/target"
host_target="${CARGO_TARGET_DIR:-$root/target}"
qemu_timeout=${QEMU_TIMEOUT:-120}
# The firmware's own deadline, inside QEMU's timeout.
fw_deadline=$((qemu_timeout - 10))

work=$(mktemp -d)
pids=()
netns=
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ -n $netns ]]; then
        ip netns pids "$netns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns delete "$netns" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
pass() {
    echo "PASS: $*"
    passed=$((passed + 1))
}
failure() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}
die() {
    echo "FAIL: $*"
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# wait_for SECS FILE PATTERN [COUNT]: waits until FILE has COUNT (default 1)
# lines matching the extended regex PATTERN; 1 on timeout.
wait_for() {
    local secs=$1 file=$2 pattern=$3 count=${4:-1} i
    for ((i = 0; i < secs * 10; i++)); do
        if [[ -f $file ]] && [[ $(grep -cE -- "$pattern" "$file" || true) -ge $count ]]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

command -v qemu-system-arm >/dev/null || die "qemu-system-arm not found (apt-get install qemu-system-arm)"

echo "== building the firmware (release)"
(cd "$here" && cargo build --release --bins --target-dir "$fw_target")
echo "== building the server and the desktop client (jim-std examples)"
(cd "$root" && cargo build -p jim-std --example server --example client)
server="$host_target/debug/examples/server"
client="$host_target/debug/examples/client"
[[ -x $server && -x $client ]] || die "server or client binary not found under $host_target/debug/examples"
elf_chat="$fw_target/thumbv7em-none-eabihf/release/jim-firmware"
elf_blocking="$fw_target/thumbv7em-none-eabihf/release/blocking"

# start_server LOG PORT [PREFIX...]: starts the server (PORT 0: any free
# port) and sets server_pid and port.
start_server() {
    local log=$1 want=$2
    shift 2
    "$@" "$server" --addr 127.0.0.1 --port "$want" --db memory >"$log.out" 2>"$log" &
    server_pid=$!
    pids+=("$server_pid")
    port=
    local i
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/^jim server listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log.out" 2>/dev/null || true)
        [[ -n $port ]] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" "$log.out"
    die "the server did not start listening"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# start_desk NAME OUT [PREFIX...]: the desktop client as NAME, scripted
# through a FIFO on fd 3, output in OUT; sets desk_pid.
start_desk() {
    local name=$1 out=$2
    shift 2
    rm -f "$work/desk.fifo"
    mkfifo "$work/desk.fifo"
    "$@" timeout "$qemu_timeout" "$client" --addr 127.0.0.1 --port "$port" --name "$name" \
        --timeout 10 <"$work/desk.fifo" >"$out" 2>&1 &
    desk_pid=$!
    pids+=("$desk_pid")
    exec 3>"$work/desk.fifo"
}

desk() { echo "$*" >&3; }

# end_desk: closes the desktop client's input and waits for it (bounded).
end_desk() {
    exec 3>&-
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$desk_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$desk_pid" 2>/dev/null || true
    wait "$desk_pid" 2>/dev/null || true
}


show() {
    local f
    for f in "$@"; do
        echo "--- $(basename "$f")"
        cat "$f" 2>/dev/null || true
    done
}

# ---------------------------------------------------------------- 1. chat
echo
echo "== 1. chat: firmware and desktop client in #sensors (guestfwd, restrict=on)"
start_server "$work/server1.log" 0
echo "server on 127.0.0.1:$port"
fw="fw-chat-$$-$RANDOM"
desk_name="desk-$$-$RANDOM"
t0=$(now)
JIM_HOST_PORT=$port timeout "$qemu_timeout" "$here/qemu-run.sh" "$elf_chat" \
    10.0.2.100:7777 "$fw" '#sensors' "--deadline=$fw_deadline" "$(date +%s)" >"$work/fw1.out" 2>&1 &
qemu_pid=$!
pids+=("$qemu_pid")
start_desk "$desk_name" "$work/desk1.out"
desk "/join #sensors"
ok=yes
if wait_for 60 "$work/desk1.out" "^\[#sensors\] $fw: reading [0-9]+" 3; then
    t_readings=$(since "$t0")
    echo "desktop client saw 3 readings after ${t_readings} s"
    desk "/msg $fw ping"
    if wait_for 30 "$work/desk1.out" "^$fw: pong$"; then
        t_pong=$(since "$t0")
        echo "desktop client got pong after ${t_pong} s"
    else
        ok="no pong within 30 s"
    fi
    desk "/msg $fw bye"
else
    ok="fewer than 3 readings within 60 s"
fi
rc=0
    wait "$qemu_pid" || rc=$? # 124: `timeout` ended QEMU
t_exit=$(since "$t0")
end_desk
stop_server
if [[ $ok == yes && $rc -eq 0 ]]; then
    pass "chat — 3 readings at ${t_readings} s, pong at ${t_pong} s, QEMU exit 0 at ${t_exit} s"
else
    [[ $ok == yes ]] && ok="QEMU exit code $rc"
    failure "chat — $ok (QEMU exit $rc after ${t_exit} s)"
    show "$work/fw1.out" "$work/desk1.out" "$work/server1.log"
fi
echo "--- firmware output"
cat "$work/fw1.out"

# ----------------------------------------------------------- 2. handshake
echo
echo "== 2. handshake: the blocking firmware (smoltcp, jim-core's blocking Connection)"
start_server "$work/server2.log" 0
name="fw-block-$$-$RANDOM"
t0=$(now)
rc=0
JIM_HOST_PORT=$port timeout 60 "$here/qemu-run.sh" "$elf_blocking" \
    10.0.2.100:7777 "$name" "$(date +%s)" >"$work/fw2.out" 2>&1 || rc=$?
t_exit=$(since "$t0")
logged=no
wait_for 2 "$work/server2.log" "client $name connected" && logged=yes
stop_server
if [[ $rc -eq 0 && $logged == yes ]]; then
    pass "handshake — QEMU exit 0, server logged 'client $name connected', ${t_exit} s"
else
    failure "handshake — QEMU exit $rc, server logged the client: $logged, ${t_exit} s"
    show "$work/fw2.out" "$work/server2.log"
fi

# ----------------------------------------------------------- 3. reconnect
echo
echo "== 3. reconnect: the server restarts under the firmware (network namespace)"
netns_why=
if [[ ${JIM_E2E_NETNS:-1} == 0 ]]; then
    netns_why="JIM_E2E_NETNS=0"
elif [[ $(id -u) -ne 0 ]]; then
    netns_why="needs root for 'ip netns add'"
elif ! command -v ip >/dev/null; then
    netns_why="no 'ip' command (iproute2)"
else
    netns="jim-e2e-$$"
    if ! ip netns add "$netns" 2>"$work/netns.err"; then
        netns_why="'ip netns add' failed: $(cat "$work/netns.err")"
        netns=
    fi
fi
if [[ -n $netns_why ]]; then
    echo "SKIP: reconnect test — $netns_why"
else
    in_ns=(ip netns exec "$netns")
    "${in_ns[@]}" ip link set lo up
    start_server "$work/server3a.log" 0 "${in_ns[@]}"
    echo "server in namespace $netns on 127.0.0.1:$port"
    fw="fw-recon-$$-$RANDOM"
    t0=$(now)
    JIM_QEMU_NET=open timeout "$qemu_timeout" "${in_ns[@]}" "$here/qemu-run.sh" "$elf_chat" \
        "10.0.2.2:$port" "$fw" '#sensors' "--deadline=$fw_deadline" >"$work/fw3.out" 2>&1 &
    qemu_pid=$!
    pids+=("$qemu_pid")
    ok=yes
    if wait_for 60 "$work/server3a.log" "client $fw connected" &&
        wait_for 30 "$work/fw3.out" "^jim: joined: 200"; then
        sleep 2 # a reading or two on the first connection
        stop_server
        t_kill=$(since "$t0")
        echo "server killed at ${t_kill} s"
        if wait_for 30 "$work/fw3.out" "^jim: reconnecting in"; then
            start_server "$work/server3b.log" "$port" "${in_ns[@]}"
            echo "server restarted on 127.0.0.1:$port"
            start_desk "desk-recon-$$" "$work/desk3.out" "${in_ns[@]}"
            desk "/join #sensors"
            if wait_for 60 "$work/server3b.log" "client $fw connected" &&
                wait_for 60 "$work/desk3.out" "^\[#sensors\] $fw: reading [0-9]+" 2; then
                t_back=$(since "$t0")
                echo "firmware back in #sensors at ${t_back} s"
                desk "/msg $fw bye"
            else
                ok="no readings after the restart within 60 s"
            fi
        else
            ok="the firmware did not notice the lost connection within 30 s"
        fi
    else
        ok="the firmware did not join within 90 s"
    fi
    rc=0
    wait "$qemu_pid" || rc=$? # 124: `timeout` ended QEMU
    t_exit=$(since "$t0")
    [[ -n ${desk_pid:-} ]] && end_desk
    stop_server
    if [[ $ok == yes && $rc -eq 0 ]]; then
        pass "reconnect — killed at ${t_kill} s, back in #sensors at ${t_back} s, QEMU exit 0 at ${t_exit} s"
    else
        [[ $ok == yes ]] && ok="QEMU exit code $rc"
        failure "reconnect — $ok (QEMU exit $rc after ${t_exit} s)"
        show "$work/server3a.log" "$work/server3b.log" "$work/desk3.out"
    fi
    echo "--- firmware output"
    cat "$work/fw3.out"
fi

echo
echo "qemu-e2e: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
