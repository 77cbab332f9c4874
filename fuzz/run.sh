#!/usr/bin/env bash
# Builds the fuzz targets (libFuzzer + AddressSanitizer) and runs each for a while.
#
#   fuzz/run.sh [--seconds N] [--jobs J] [--no-build] [TARGET...]
#
# N: seconds per target (default 600). J: how many fuzzers run at once (default 1). --no-build: run what was built.
# TARGET: FuzzYAML FuzzManifest FuzzExpression FuzzJSON FuzzState FuzzPlanFile FuzzEmulator (default: all).
#
# Corpora grow in fuzz/corpus/<target>/, seeded each run from fuzz/seeds/<target>/ and from the repository
# (examples/, and a state and plans made by a built batchctl with --endpoint embedded when one is found; set
# BATCHCTL=path to choose it). Crashes, leaks, timeouts and out-of-memory inputs go to fuzz/findings/<target>/.
# Exits 1 when any target found something.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$fuzz_dir")"
all_targets=(FuzzYAML FuzzManifest FuzzExpression FuzzJSON FuzzState FuzzPlanFile FuzzEmulator)

seconds=600
jobs=1
build=yes
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --no-build) build=no; shift ;;
        -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $target "* ]] || { echo "unknown target: $target" >&2; exit 2; }
done

# ---- Build -------------------------------------------------------------------------------------------------
# SwiftPM's --sanitize=fuzzer links libFuzzer (which supplies main) and builds executables as libraries; the
# -Xswiftc flag adds the coverage instrumentation to the compiled code, which --sanitize=fuzzer alone leaves out.
build_flags=(-c release --scratch-path "$fuzz_dir/.build" --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
if [[ "$build" == yes ]]; then
    echo "== building the fuzz targets (scratch: fuzz/.build)"
    (cd "$fuzz_dir" && swift build "${build_flags[@]}")
fi
bin="$fuzz_dir/.build/release"  # SwiftPM's link to the folder of the host's triple

# ---- Seed corpus ---------------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/batchctl-fuzz-run.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done  # only the fuzzers this script started
    rm -rf "$work"
}
trap cleanup EXIT

generated="$work/generated"
mkdir -p "$generated"
batchctl="${BATCHCTL:-}"
if [[ -z "$batchctl" ]]; then
    for candidate in "$repo/.build/debug/batchctl" "$repo/.build/release/batchctl"; do
        [[ -x "$candidate" ]] && { batchctl="$candidate"; break; }
    done
fi
if [[ -n "$batchctl" ]]; then
    echo "== making a state and plans with $batchctl (embedded endpoint, in $work)"
    cp -R "$repo/examples" "$work/examples"
    (
        cd "$work/examples"
        export HOME="$work"
        "$batchctl" plan --env dev --endpoint embedded --out "$generated/first.plan.json" >/dev/null 2>&1
        "$batchctl" apply --env dev --endpoint embedded --auto-approve >/dev/null 2>&1
        "$batchctl" plan --env dev --endpoint embedded --out "$generated/second.plan.json" >/dev/null 2>&1
        cp .batchctl/batchctl.state.dev.json "$generated/dev.state.json"
    ) || echo "   (could not make them; going on with the committed seeds)"
else
    echo "== no built batchctl found (set BATCHCTL=path): state and plan seeds are the committed ones only"
fi

seed() { # seed TARGET FILE...: copies files into the target's corpus
    local target="$1"; shift
    local file
    for file in "$@"; do
        [[ -f "$file" ]] && cp "$file" "$fuzz_dir/corpus/$target/seed-$(basename "$(dirname "$file")")-$(basename "$file")"
    done
    return 0
}
mapfile -t example_yaml < <(find "$repo/examples" -name '*.yaml' -type f | sort)
for target in "${targets[@]}"; do
    mkdir -p "$fuzz_dir/corpus/$target" "$fuzz_dir/findings/$target"
    seed "$target" "$fuzz_dir/seeds/$target"/*
    case "$target" in
        FuzzYAML | FuzzManifest) seed "$target" "${example_yaml[@]}" ;;
        FuzzExpression)
            # The expressions written in the examples, each without its ${ and }.
            n=0
            while IFS= read -r expression; do
                n=$((n + 1))
                printf '%s' "$expression" > "$fuzz_dir/corpus/$target/seed-example-$n"
            done < <(grep -ho '\${[^}]*}' "${example_yaml[@]}" | sed 's/^\${//; s/}$//' | sort -u)
            ;;
        FuzzJSON) seed "$target" "$fuzz_dir/seeds/FuzzState"/* "$fuzz_dir/seeds/FuzzPlanFile"/* "$generated"/* ;;
        FuzzState) seed "$target" "$generated"/*.state.json ;;
        FuzzPlanFile) seed "$target" "$generated"/*.plan.json ;;
    esac
done

# ---- Run -----------------------------------------------------------------------------------------------------
# libFuzzer catches the crashes; the Swift runtime's backtracer would take the signal first.
export SWIFT_BACKTRACE=enable=no
symbolizer="$(command -v llvm-symbolizer || true)"
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
# Leaks of the toolchain's own libraries, each explained in the file, are not findings.
export LSAN_OPTIONS="suppressions=$fuzz_dir/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

run_one() { # run_one TARGET: starts one fuzzer in the background, its log in $work/TARGET.log
    local target="$1"
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$fuzz_dir/findings/$target/" \
        "$fuzz_dir/corpus/$target" > "$work/$target.log" 2>&1 &
    pids+=("$!")
    target_of[$!]="$target"
}

declare -A target_of status
reap() { # waits for one fuzzer to end and records its exit status
    local pid rc=0
    wait -n -p pid "${pids[@]}" || rc=$?
    status[${target_of[$pid]}]=$rc
    local kept=()
    for p in "${pids[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
    pids=("${kept[@]}")
}

echo "== running ${targets[*]}: $seconds s each, $jobs at once"
for target in "${targets[@]}"; do
    while ((${#pids[@]} >= jobs)); do reap; done
    echo "   $(date -u +%H:%M:%S) starting $target"
    run_one "$target"
done
while ((${#pids[@]})); do reap; done

found=0
printf '\n%-16s %8s %10s  %s\n' target seconds 'exec/s' result
for target in "${targets[@]}"; do
    log="$work/$target.log"
    rc="${status[$target]}"
    ran="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    artifacts="$(find "$fuzz_dir/findings/$target" -type f -newer "$work/generated" | wc -l)"
    if [[ "$rc" == 0 && "$artifacts" == 0 ]]; then
        result="nothing found"
    else
        found=1
        result="FOUND (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|Fatal error|deadly signal|timeout after|out-of-memory' "$log" || echo 'see log')"
        cp "$log" "$fuzz_dir/findings/$target/last-run.log"
        result+="; inputs and log in fuzz/findings/$target/"
    fi
    printf '%-16s %8s %10s  %s\n' "$target" "${ran:-?}" "${rate:-?}" "$result"
done
exit "$found"
