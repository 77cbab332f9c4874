#!/usr/bin/env bash
# Two builds of batchctl side by side, run by run interleaved so that the shared machine's drift falls on both alike.
# Not part of CI's tests. Three measures, chosen with --measure:
#   apply      apply of 10k creates at --parallelism 32 (a fresh `batchctl serve` per run; wall, and CPU per create of
#              the client from /usr/bin/time and of the server from /proc)
#   refresh    plan with refresh by id at --parallelism 32 of 10k user tasks on one server (wall and client CPU), with
#              wrk's GET ceiling on that server and the plan without refresh, from which the rate of reads by id follows
#   expansion  for each of --sizes: `render --output json` and `plan --refresh=false` against a state of as many
#              entries made from a render (generate.py state): wall, CPU and peak RSS, no server
#
#   benchmarks/compare.sh --old BIN --new BIN [--pairs N] [--tasks N] [--measure LIST] [--sizes "N ..."]
#
#   --old, --new  the two batchctl binaries (for example a release build of an older commit copied aside, and
#                 .build-release/release/batchctl)
#   --pairs N     runs of each, old then new, per measurement (default 4)
#   --tasks N     tasks applied and refreshed (default 10000)
#   --measure L   comma-separated measures (default apply,refresh)
#   --sizes "N"   task counts for the expansion measure (default "10000 100000")
#
# Servers listen on 127.0.0.1 only and are stopped by pid however the script ends; work lives in .build-bench/compare.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old="" new="" pairs=4 tasks=10000 measure="apply,refresh" sizes="10000 100000"
while (($#)); do
    case "$1" in
        --old) old=${2:?--old needs a binary}; shift ;;
        --new) new=${2:?--new needs a binary}; shift ;;
        --pairs) pairs=${2:?--pairs needs a number}; shift ;;
        --tasks) tasks=${2:?--tasks needs a number}; shift ;;
        --measure) measure=${2:?--measure needs a list}; shift ;;
        --sizes) sizes=${2:?--sizes needs task counts}; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done
[[ -x $old && -x $new ]] || { echo "give --old BIN and --new BIN, both executable" >&2; exit 64; }
if [[ ,$measure, == *,refresh,* ]] && ! command -v wrk >/dev/null; then
    echo "the refresh measure needs wrk (apt-get install wrk)" >&2
    exit 69
fi
old=$(realpath "$old") new=$(realpath "$new")
work="$root/.build-bench/compare"
rm -rf "$work" && mkdir -p "$work"
wants() { [[ ,$measure, == *,$1,* ]]; }
say() { printf '[compare.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

server_pid=""
trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true' EXIT

# shellcheck source=benchmarks/serve.sh
source "$root/benchmarks/serve.sh"
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# Calls "$@" BUILD RUN BINARY for each run of each build, old then new: the interleaving every measure shares.
for_each_run() {
    local run build
    for run in $(seq "$pairs"); do
        for build in old new; do "$@" "$build" "$run" "${!build}"; done
    done
}

apply_once() {
    local build=$1 run=$2 binary=$3 before after wall user system
    rm -rf "$work/apply" && mkdir "$work/apply" && cp "$work/system.yaml" "$work/apply/manifest.yaml"
    start_serve "$new" "$work/serve"
    before=$(server_ticks)
    (cd "$work/apply" && BATCHCTL_ENDPOINT=$url /usr/bin/time -f "%e %U %S" "$binary" apply --auto-approve --parallelism 32 \
        -f manifest.yaml >apply.out 2>time.txt) || { say "apply failed: see $work/apply"; exit 1; }
    after=$(server_ticks)
    stop_server
    read -r wall user system < <(tail -n 1 "$work/apply/time.txt")
    awk -v b="$build" -v r="$run" -v n="$tasks" -v w="$wall" -v u="$user" -v s="$system" -v t=$((after - before)) -v hz="$ticks_per_second" \
        'BEGIN { printf "| %s | %d | %.2f s | %d | %d µs | %d µs |\n", b, r, w, n / w, (u + s) / n * 1e6, t / hz / n * 1e6 }'
}

refresh_once() {
    local build=$1 run=$2 binary=$3 wall user system
    (cd "$work/refresh" && BATCHCTL_ENDPOINT=$url /usr/bin/time -f "%e %U %S" "$binary" plan --refresh-read id --parallelism 32 \
        -f manifest.yaml >plan.out 2>time.txt) || { say "plan failed: see $work/refresh"; exit 1; }
    read -r wall user system < <(tail -n 1 "$work/refresh/time.txt")
    awk -v b="$build" -v r="$run" -v n="$tasks" -v w="$wall" -v u="$user" -v s="$system" -v o="$without" -v c="$ceiling" -v said="$(tail -n 1 "$work/refresh/plan.out")" \
        'BEGIN { rate = n / (w - o); printf "| %s | %d | %.2f s | %.2f s | %d | %.2f | %s |\n", b, r, w, u + s, rate, rate / c, said }'
}

# In $dir: render, then plan without refresh against the state there.
expansion_once() {
    local build=$1 run=$2 binary=$3
    (cd "$dir" && /usr/bin/time -f "%e %U %S %M" "$binary" render -f manifest.yaml --output json >/dev/null 2>render.time) ||
        { say "render failed: see $dir"; exit 1; }
    (cd "$dir" && /usr/bin/time -f "%e %U %S %M" "$binary" plan --refresh=false --endpoint "$endpoint" -f manifest.yaml \
        >plan.out 2>plan.time) || { say "plan failed: see $dir"; exit 1; }
    [[ $(tail -n 1 "$dir/plan.out") == "No changes." ]] || { say "plan found changes: see $dir/plan.out"; exit 1; }
    # /usr/bin/time: wall, user, system, peak RSS in KiB; the two lines side by side.
    paste -d ' ' <(tail -n 1 "$dir/render.time") <(tail -n 1 "$dir/plan.time") | awk -v b="$build" -v r="$run" \
        '{ printf "| %s | %d | %.2f s | %.2f s | %d MB | %.2f s | %.2f s | %d MB |\n", b, r, $1, $2 + $3, $4 / 1024, $5, $6 + $7, $8 / 1024 }'
}

if wants apply; then
    python3 "$root/benchmarks/generate.py" manifest --tasks "$tasks" "$work/system.yaml"
    echo "| build | run | apply $tasks at parallelism 32 | tasks/s | client CPU per create | server CPU per create |"
    echo "|---|---:|---:|---:|---:|---:|"
    for_each_run apply_once
fi

if wants refresh; then
    python3 "$root/benchmarks/generate.py" manifest --tasks "$tasks" --user-tasks "$work/user.yaml"
    say "applying $tasks user tasks for the refresh"
    rm -rf "$work/refresh" && mkdir "$work/refresh" && cp "$work/user.yaml" "$work/refresh/manifest.yaml"
    start_serve "$new" "$work/serve"
    (cd "$work/refresh" && BATCHCTL_ENDPOINT=$url "$new" apply --auto-approve --parallelism 32 -f manifest.yaml >apply.out 2>&1)
    ceiling=$(wrk -t2 -c32 -d10s -s "$root/benchmarks/wrk/get.lua" "$url" -- "$tasks" 2>/dev/null | awk '/Requests\/sec/ { print $2 }')
    (cd "$work/refresh" && BATCHCTL_ENDPOINT=$url /usr/bin/time -f "%e %U %S" "$new" plan --refresh=false -f manifest.yaml >plan.out 2>time.txt)
    read -r without _ < <(tail -n 1 "$work/refresh/time.txt")
    echo
    echo "wrk GET ceiling on the server holding $tasks user tasks: $ceiling req/s; plan --refresh=false: $without s"
    echo
    echo "| build | run | plan, refresh by id at parallelism 32 | client CPU | reads by id a second | of the GET ceiling | plan said |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    for_each_run refresh_once
    stop_server
fi

if wants expansion; then
    for size in $sizes; do
        dir="$work/expansion-$size"
        mkdir -p "$dir"
        python3 "$root/benchmarks/generate.py" manifest --tasks "$size" "$dir/manifest.yaml"
        (cd "$dir" && "$new" render -f manifest.yaml --output json >render.json)
        python3 "$root/benchmarks/generate.py" state --render "$dir/render.json" "$dir/batchctl.state.json"
        rm "$dir/render.json"
        endpoint=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$dir/batchctl.state.json")
        echo
        echo "| build | run | render $size --output json | its CPU | its peak RSS | plan --refresh=false, $size entries | its CPU | its peak RSS |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        for_each_run expansion_once
    done
fi
