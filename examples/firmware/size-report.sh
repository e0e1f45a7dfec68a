#!/usr/bin/env bash
# Size report for the JIM client firmware, and jim-core's share of it.
#
#   bash examples/firmware/size-report.sh
#
# Builds the embassy firmware three times (release: opt-level "s", LTO, one
# codegen unit): as is; with the `terse` feature, which prints bare numbers
# instead of jim-core's texts (so none of its `Display` impls is linked); and
# with the `no-jim` feature, where the jim-core handshake is replaced by a raw
# write and read of fixed bytes over the same TCP socket. The differences to
# `no-jim` are what jim-core costs: flash (.text, .rodata, .data) and static
# RAM (.data, .bss; the embassy task that holds the Connection is a static,
# so its buffers are in .bss). The `terse` difference is the client path
# proper: encode a presence, frame and decode the answer. It then prints the
# Connection's size as the firmware itself measures it (`--sizes`, under
# QEMU), where the extra flash goes by crate (DWARF line tables, so code that
# LTO inlined is still counted for the crate it came from), and the largest
# functions only the jim build has.
#
# Targets: jim-core's client path <= 6 KiB flash and <= 1.5 KiB RAM. Exits 0
# either way (it is a report); SIZE_REPORT_STRICT=1 makes a miss exit 1.
#
# Needs llvm-size (and, for the breakdowns, llvm-nm, llvm-dwarfdump and
# python3): Debian's `llvm` package, or rustup's `llvm-tools` component.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target_dir="$here/target"
triple=thumbv7em-none-eabihf
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

echo "== building (release): as is, with feature terse, with feature no-jim"
(cd "$here" && cargo build --release --bins --target-dir "$target_dir")
(cd "$here" && cargo build --release --bin jim-firmware --features terse --target-dir "$target_dir/terse")
(cd "$here" && cargo build --release --bin jim-firmware --features no-jim --target-dir "$target_dir/no-jim")
with="$target_dir/$triple/release/jim-firmware"
terse="$target_dir/terse/$triple/release/jim-firmware"
without="$target_dir/no-jim/$triple/release/jim-firmware"
blocking="$target_dir/$triple/release/blocking"

# section ELF NAME: the section's size in bytes (0 if absent).
section() {
    "$llvm_size" -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}

declare -A w t o
for s in .vector_table .text .rodata .data .bss; do
    w[$s]=$(section "$with" "$s")
    t[$s]=$(section "$terse" "$s")
    o[$s]=$(section "$without" "$s")
done
flash_w=$((w[.vector_table] + w[.text] + w[.rodata] + w[.data]))
flash_t=$((t[.vector_table] + t[.text] + t[.rodata] + t[.data]))
flash_o=$((o[.vector_table] + o[.text] + o[.rodata] + o[.data]))
ram_w=$((w[.data] + w[.bss]))
ram_t=$((t[.data] + t[.bss]))
ram_o=$((o[.data] + o[.bss]))
flash_share=$((flash_t - flash_o))
flash_share_full=$((flash_w - flash_o))
ram_share=$((ram_t - ram_o))

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

echo
echo "== embassy firmware ($triple, opt-level s, LTO), bytes"
printf '%-16s %9s %9s %9s %11s %11s\n' "" "as is" "terse" "no-jim" "jim (as is)" "jim (terse)"
row() {
    printf '%-16s %9d %9d %9d %11d %11d\n' "$1" "$2" "$3" "$4" "$(($2 - $4))" "$(($3 - $4))"
}
for s in .vector_table .text .rodata .data .bss; do
    row "$s" "${w[$s]}" "${t[$s]}" "${o[$s]}"
done
row "flash" "$flash_w" "$flash_t" "$flash_o"
row "static RAM" "$ram_w" "$ram_t" "$ram_o"
echo "(flash = vectors + text + rodata + data; static RAM = data + bss, without the stack;"
echo " the embassy tasks, and so the Connection, are statics in .bss)"

verdict() { if [[ $1 -le $2 ]]; then echo "OK"; else echo "OVER"; fi; }
flash_verdict=$(verdict "$flash_share" "$flash_target")
ram_verdict=$(verdict "$ram_share" "$ram_target")
echo
echo "jim-core client path (terse), flash: $flash_share B ($(kib "$flash_share")), target <= $(kib "$flash_target"): $flash_verdict"
echo "jim-core client path (terse), RAM:   $ram_share B ($(kib "$ram_share")), target <= $(kib "$ram_target"): $ram_verdict"
echo "jim-core with its Display texts (as is), flash: $flash_share_full B ($(kib "$flash_share_full"))"

if command -v qemu-system-arm >/dev/null 2>&1; then
    echo
    echo "== as measured by the firmware (qemu-run.sh ... --sizes)"
    timeout 30 "$here/qemu-run.sh" "$with" --sizes || echo "(--sizes run failed: $?)"
    timeout 30 "$here/qemu-run.sh" "$blocking" --sizes || echo "(--sizes run failed: $?)"
fi

if [[ -n $llvm_dwarfdump ]] && command -v python3 >/dev/null 2>&1; then
    echo
    echo "== terse vs no-jim: code bytes by source crate (DWARF line tables; inlined code counts for its crate)"
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
    echo "== largest functions and data only the terse build has, not no-jim (llvm-nm --size-sort)"
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

if [[ ${SIZE_REPORT_STRICT:-0} == 1 && ($flash_verdict == OVER || $ram_verdict == OVER) ]]; then
    echo "size-report: over target"
    exit 1
fi
