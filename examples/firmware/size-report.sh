#!/usr/bin/env bash
# Size report for the JIM client firmware, and jim-core's share of it.
#
#   bash examples/firmware/size-report.sh
#
# Builds the embassy firmware in two flavours — the chat firmware (the
# default: presence, join, a reading a second, pong to ping, probes) and the
# handshake-only one (feature `handshake-only`: presence and answer) — each
# three times (release: opt-level "s", LTO, one codegen unit): as is; with
# the `terse` feature, which prints bare numbers instead of jim-core's texts
# (so none of its `Display` impls is linked); and with the `no-jim` feature,
# where jim-core is replaced by fixed bytes written and byte searches over
# what is read, on the same socket and with the same application logic. The
# differences to `no-jim` are what jim-core costs: flash (.text, .rodata,
# .data) and static RAM (.data, .bss; the embassy task that holds the
# Session or Connection is a static, so its buffers are in .bss). The
# `terse` difference is the protocol path proper. It then prints the sizes
# as the firmware itself measures them (`--sizes`, under QEMU), where the
# chat build's extra flash goes by crate (DWARF line tables, so code that
# LTO inlined is still counted for the crate it came from), and its largest
# functions that only the jim build has.
#
# Targets: the chat path <= 8 KiB flash, the handshake path <= 6 KiB, each
# <= 1.5 KiB RAM including its buffers. Exits 0
# either way (it is a report); SIZE_REPORT_STRICT=1 makes a miss exit 1.
#
# Needs llvm-size (and, for the breakdowns, llvm-nm, llvm-dwarfdump and
# python3): Debian's `llvm` package, or rustup's `llvm-tools` component.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target_dir="$here/target"
triple=thumbv7em-none-eabihf
chat_flash_target=8192
flash_target=6144
ram_target=1536

# find_llvm NAME: NAME on PATH, a versioned NAME-NN, or rustup's llvm-tools.
find_llvm() {
    local name=$1 candidate
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for candidate in /usr/bin/"$name"-[0-9]*; do
        if [[ -x $candidate ]]; then
            echo "$candidate"
            return 0
        fi
    done
    local sysroot
    sysroot=$(rustc --print sysroot 2>/dev/null) || return 1
    for candidate in "$sysroot"/lib/rustlib/*/bin/"$name"; do
        if [[ -x $candidate ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

llvm_size=$(find_llvm llvm-size) || {
    echo "size-report: llvm-size not found (apt-get install llvm, or rustup component add llvm-tools)" >&2
    exit 1
}
llvm_nm=$(find_llvm llvm-nm) || llvm_nm=
llvm_dwarfdump=$(find_llvm llvm-dwarfdump) || llvm_dwarfdump=

echo "== building (release): the chat firmware and the handshake-only one, each as is, terse and no-jim"
build() { # build DIR FEATURES
    (cd "$here" && cargo build --release --bin jim-firmware ${2:+--features "$2"} --target-dir "$target_dir/$1")
}
(cd "$here" && cargo build --release --bins --target-dir "$target_dir")
build terse terse
build no-jim no-jim
build handshake handshake-only
build handshake-terse handshake-only,terse
build handshake-no-jim handshake-only,no-jim
elf() { if [[ $1 == . ]]; then echo "$target_dir/$triple/release/jim-firmware"; else echo "$target_dir/$1/$triple/release/jim-firmware"; fi; }
with=$(elf .)
terse=$(elf terse)
without=$(elf no-jim)
blocking="$target_dir/$triple/release/blocking"

# section ELF NAME: the section's size in bytes (0 if absent).
section() {
    "$llvm_size" -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}
flash() { echo $(($(section "$1" .vector_table) + $(section "$1" .text) + $(section "$1" .rodata) + $(section "$1" .data))); }
ram() { echo $(($(section "$1" .data) + $(section "$1" .bss))); }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
verdict() { if [[ $1 -le $2 ]]; then echo "OK"; else echo "OVER"; fi; }

over=0
# report TITLE AS_IS TERSE NO_JIM FLASH_TARGET RAM_TARGET
report() {
    local title=$1 w=$2 t=$3 o=$4 flash_target=$5 ram_target=$6 s
    echo
    echo "== $title ($triple, opt-level s, LTO), bytes"
    printf '%-16s %9s %9s %9s %11s %11s\n' "" "as is" "terse" "no-jim" "jim (as is)" "jim (terse)"
    row() { printf '%-16s %9d %9d %9d %11d %11d\n' "$1" "$2" "$3" "$4" "$(($2 - $4))" "$(($3 - $4))"; }
    for s in .vector_table .text .rodata .data .bss; do
        row "$s" "$(section "$w" "$s")" "$(section "$t" "$s")" "$(section "$o" "$s")"
    done
    row "flash" "$(flash "$w")" "$(flash "$t")" "$(flash "$o")"
    row "static RAM" "$(ram "$w")" "$(ram "$t")" "$(ram "$o")"
    local flash_share=$(($(flash "$t") - $(flash "$o"))) ram_share=$(($(ram "$t") - $(ram "$o")))
    local full=$(($(flash "$w") - $(flash "$o")))
    local fv rv
    fv=$(verdict "$flash_share" "$flash_target")
    rv=$(verdict "$ram_share" "$ram_target")
    [[ $fv == OVER || $rv == OVER ]] && over=1
    echo "jim-core, $title (terse), flash: $flash_share B ($(kib "$flash_share")), target <= $(kib "$flash_target"): $fv"
    echo "jim-core, $title (terse), RAM:   $ram_share B ($(kib "$ram_share")), target <= $(kib "$ram_target"): $rv"
    echo "jim-core with its Display texts (as is), flash: $full B ($(kib "$full"))"
}
report "chat path" "$with" "$terse" "$without" "$chat_flash_target" "$ram_target"
report "handshake path" "$(elf handshake)" "$(elf handshake-terse)" "$(elf handshake-no-jim)" "$flash_target" "$ram_target"
echo "(flash = vectors + text + rodata + data; static RAM = data + bss, without the stack;"
echo " the embassy tasks, and so the Session or Connection with its buffers, are statics in .bss)"

if command -v qemu-system-arm >/dev/null 2>&1; then
    echo
    echo "== as measured by the firmware (qemu-run.sh ... --sizes)"
    timeout 30 "$here/qemu-run.sh" "$with" --sizes || echo "(--sizes run failed: $?)"
    timeout 30 "$here/qemu-run.sh" "$(elf handshake)" --sizes || echo "(--sizes run failed: $?)"
    timeout 30 "$here/qemu-run.sh" "$blocking" --sizes || echo "(--sizes run failed: $?)"
fi

if [[ -n $llvm_dwarfdump ]] && command -v python3 >/dev/null 2>&1; then
    echo
    echo "== chat path, terse vs no-jim: code bytes by source crate (DWARF line tables; inlined code counts for its crate)"
    python3 - "$llvm_dwarfdump" "$terse" "$without" <<'PY'
import collections, os, re, subprocess, sys

dwarfdump, with_elf, without_elf = sys.argv[1:4]

def crate_of(path):
    m = re.search(r"/([A-Za-z0-9_\-]+?)-\d+\.\d+\.\d+[^/]*/src/", path)
    if m:
        return m.group(1)
    m = re.search(r"/library/([a-z_\-]+)/", path)
    if m:
        return "rust " + m.group(1)
    if "/jim-core/" in path:
        return "jim-core"
    if "/examples/firmware/" in path:
        return "firmware"
    return "other"

def attribute(elf):
    info = subprocess.run([dwarfdump, "--debug-info", "--recurse-depth=0", elf],
                          capture_output=True, text=True, check=True).stdout
    comp_dirs, stmt = {}, None
    for line in info.splitlines():
        m = re.search(r"DW_AT_stmt_list\s+\(0x([0-9a-f]+)\)", line)
        if m:
            stmt = int(m.group(1), 16)
        m = re.search(r'DW_AT_comp_dir\s+\("(.*)"\)', line)
        if m and stmt is not None:
            comp_dirs[stmt], stmt = m.group(1), None
    lines = subprocess.run([dwarfdump, "--debug-line", elf],
                           capture_output=True, text=True, check=True).stdout
    totals = collections.Counter()
    for table in lines.split("debug_line[0x")[1:]:
        comp = comp_dirs.get(int(table[:8], 16), "")
        dirs, files, index, name = {0: comp}, {}, None, None
        rows = []
        for line in table.splitlines():
            m = re.match(r'include_directories\[\s*(\d+)\] = "(.*)"', line)
            if m:
                dirs[int(m.group(1))] = os.path.join(comp, m.group(2))
                continue
            m = re.match(r"file_names\[\s*(\d+)\]:", line)
            if m:
                index = int(m.group(1))
                continue
            m = re.match(r'\s+name: "(.*)"', line)
            if m:
                name = m.group(1)
                continue
            m = re.match(r"\s+dir_index: (\d+)", line)
            if m:
                files[index] = os.path.join(dirs.get(int(m.group(1)), comp), name)
                continue
            m = re.match(r"0x([0-9a-f]{16})\s+\d+\s+\d+\s+(\d+)\s+\d+\s+\d+\s*(.*)", line)
            if m:
                rows.append((int(m.group(1), 16), int(m.group(2)), "end_sequence" in m.group(3)))
        for (addr, f, end), (next_addr, _, _) in zip(rows, rows[1:]):
            if not end and next_addr > addr:
                totals[crate_of(files.get(f, "?"))] += next_addr - addr
    return totals

a, b = attribute(with_elf), attribute(without_elf)
print("%-26s %9s %9s %9s" % ("crate", "terse", "no-jim", "change"))
for crate in sorted(set(a) | set(b), key=lambda c: (-(a[c] - b[c]), -a[c])):
    if a[crate] or b[crate]:
        print("%-26s %9d %9d %+9d" % (crate, a[crate], b[crate], a[crate] - b[crate]))
print("%-26s %9d %9d %+9d" % ("total", sum(a.values()), sum(b.values()), sum(a.values()) - sum(b.values())))
PY
fi

if [[ -n $llvm_nm ]]; then
    echo
    echo "== chat path: largest functions and data only the terse build has, not no-jim (llvm-nm --size-sort)"
    # name without the hash suffix -> size, for each build
    nm_sizes() {
        "$llvm_nm" --size-sort -S -C --radix=d "$1" |
            awk '$3 ~ /^[tTrR]$/ && $4 !~ /^\.L/ { size = $2 + 0; $1 = $2 = $3 = ""; sub(/^ +/, ""); sub(/::h[0-9a-f]+$/, ""); print size "\t" $0 }'
    }
    nm_sizes "$without" | cut -f2 | sort -u >"$target_dir/no-jim/symbols.txt"
    nm_sizes "$terse" |
        awk -F'\t' 'NR == FNR { seen[$0] = 1; next } !($2 in seen)' "$target_dir/no-jim/symbols.txt" - |
        sort -t$'\t' -k1,1nr | head -n 25 |
        sed -e 's/\$LT\$/</g; s/\$GT\$/>/g; s/\$RF\$/\&/g; s/\$u20\$/ /g; s/\$C\$/,/g' \
            -e 's/\$u7b\$/{/g; s/\$u7d\$/}/g; s/\$BP\$/*/g; s/\.\./::/g; s/^\([0-9]*\t\)_</\1</' |
        awk -F'\t' '{ printf "%7d  %s\n", $1, substr($2, 1, 110) }'
    echo "(code inlined into functions both builds have, e.g. the embassy task's poll, and merged"
    echo " string pools (.L* symbols) are counted in the crate table above, not listed here)"
fi

echo
echo "== blocking firmware (smoltcp + jim-core's blocking Connection)"
"$llvm_size" -A "$blocking" | awk '$1 ~ /^\.(vector_table|text|rodata|data|bss)$/ { printf "%-28s %10d\n", $1, $2 }'

if [[ ${SIZE_REPORT_STRICT:-0} == 1 && $over == 1 ]]; then
    echo "size-report: over target"
    exit 1
fi
