#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzz with -sanitize=fuzzer,address and runs each for a given
# time, one after the other, then prints what each run did. docs/reliability.md, "Fuzzing".
#
#   scripts/fuzz.sh [--seconds N] [--work DIR] [target ...]
#
# Targets: sync-body, gzip, stock-csv (all by default). N defaults to 60 seconds per target. The work
# folder (default .build-fuzz, ignored by git) holds the build, the growing corpus of each target
# (kept between runs), the logs and the crash artifacts (DIR/artifacts/<target>/). The committed seeds
# of Tests/Fuzz/Corpus/<target> are read, never written. A target that crashes stops its run; the
# script goes on with the next one and exits with 1 at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=60
work=.build-fuzz
targets=()
all=(sync-body gzip stock-csv)
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        sync-body|gzip|stock-csv) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument '$1' (targets: ${all[*]})" >&2; exit 2 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
mkdir -p "$work"
work=$(cd "$work" && pwd)

# --- Build: the real sources, as two static libraries, and one executable per target. -------------
# BaogongModel without GreenPass.swift (the only file that needs swift-crypto; no target reaches it),
# and of the agent only the CSV reader and the two types it returns.
swiftc_flags=(-swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
    -parse-as-library -package-name Baogong -O -g -sanitize=fuzzer,address
    -I "$root/Sources/CZlib" -I "$work/modules")
model_sources=()
for f in "$root"/shared/Model/*.swift; do
    [ "$(basename "$f")" = GreenPass.swift ] || model_sources+=("$f")
done
agent_sources=("$root/agent/StockCSV.swift" "$root/agent/StockEntry.swift" "$root/agent/AgentError.swift")

# A product is rebuilt when it is missing or older than one of its inputs, the model's sources (every
# product depends on them) or this script.
fresh() {  # product, inputs...
    [ -e "$1" ] && [ -z "$(find "${@:2}" "${model_sources[@]}" "$root/scripts/fuzz.sh" -newer "$1")" ]
}
library() {  # name, sources...
    local name=$1; shift
    fresh "$work/lib/lib$name.a" "$@" && return
    mkdir -p "$work/modules" "$work/lib" "$work/obj/$name"
    (cd "$work/obj/$name" && nice -n 19 swiftc "${swiftc_flags[@]}" -emit-library -static -emit-module -module-name "$name" \
        -emit-module-path "$work/modules/$name.swiftmodule" -o "$work/lib/lib$name.a" "$@")
}
executable() {  # target, source, libraries...
    local target=$1 source=$2; shift 2
    local libs=() archives=()
    for l in "$@"; do libs+=(-l"$l") archives+=("$work/lib/lib$l.a"); done
    fresh "$work/bin/fuzz-$target" "$source" "${archives[@]}" && return
    mkdir -p "$work/bin" "$work/obj/$target"
    (cd "$work/obj/$target" && nice -n 19 swiftc "${swiftc_flags[@]}" -L "$work/lib" "${libs[@]}" -lz -use-ld=lld \
        -o "$work/bin/fuzz-$target" "$source")
}

echo "building the fuzz targets in $work"
library BaogongModel "${model_sources[@]}"
library BaogongAgent "${agent_sources[@]}"
executable sync-body "$root/Tests/Fuzz/Targets/SyncBodyTarget.swift" BaogongModel
executable gzip "$root/Tests/Fuzz/Targets/GzipTarget.swift" BaogongModel
executable stock-csv "$root/Tests/Fuzz/Targets/StockCSVTarget.swift" BaogongAgent BaogongModel

# --- Run: each target in turn, at low priority. ------------------------------------------------------
final_stat() {  # log, name: a value of libFuzzer's final statistics
    sed -n "s/^stat::$2: *//p" "$1" | tail -1
}
failed=0
summary=()
for target in "${targets[@]}"; do
    corpus=$work/corpus/$target
    artifacts=$work/artifacts/$target
    log=$work/logs/$target.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    dict=()
    [ -f "$root/Tests/Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="$root/Tests/Fuzz/Dictionaries/$target.dict")
    echo "fuzzing $target for $seconds s (log: $log)"
    status=0
    nice -n 19 "$work/bin/fuzz-$target" "$corpus" "$root/Tests/Fuzz/Corpus/$target" "${dict[@]}" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    runs=$(final_stat "$log" number_of_executed_units)
    rate=$(final_stat "$log" average_exec_per_sec)
    rss=$(final_stat "$log" peak_rss_mb)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    if [ "$status" -ne 0 ]; then
        failed=1
        outcome="FAILED (exit $status): $(grep -m1 -E 'ERROR|Fatal error|==[0-9]+==' "$log" || echo 'see the log')"
        outcome+="; artifacts: $(ls "$artifacts" | tr '\n' ' ')"
    else
        outcome="no finding"
    fi
    summary+=("$target: ${took:-?} s, ${runs:-?} executions, ${rate:-?} exec/s, corpus ${corp:-?} (units/bytes), cov ${cov:-?} ft ${ft:-?}, peak RSS ${rss:-?} MB; $outcome")
done

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
