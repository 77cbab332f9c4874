#!/usr/bin/env bash
# The controller: one cycle over N unchanged tasks, with and without refresh, and the CPU it spends while idle
# between cycles. For each size, a fresh `batchctl serve` (in memory) gets N tasks from a real apply; then
# `batchctl controller --interval 1h` is started on that state, each measured cycle is started with
# `POST /reconcile`, and its duration is the one the controller reports (`lastCycle.durationSeconds` of
# /api/status: read the manifests, lock, refresh, plan, record). Idle CPU is the controller's utime + stime from
# /proc over a quiet minute after the cycles. Stops every process it starts by pid. Not part of CI's tests.
#
#   benchmarks/controller.sh [--sizes "10000 100000"] [--runs N] [--idle SECONDS] [--no-build]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sizes="10000 100000" runs=3 idle=60 build=1
while (($#)); do
    case "$1" in
        --sizes) sizes=${2:?}; shift ;;
        --runs) runs=${2:?}; shift ;;
        --idle) idle=${2:?}; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done

bench="$root/.build-bench/controller"
rm -rf "$bench" && mkdir -p "$bench"
say() { printf '[controller.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
batchctl="$root/.build-release/release/batchctl"
if ((build)); then
    say "swift build -c release --product batchctl"
    swift build -c release --scratch-path "$root/.build-release" --product batchctl >"$bench/build.log" 2>&1
fi

server_pid="" controller_pid=""
stop_all() {
    for pid in $controller_pid $server_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

wait_for() {  # FILE PATTERN: the first match of PATTERN in FILE, waiting up to a minute
    local found=""
    for _ in $(seq 600); do
        found=$(grep -o -m 1 "$2" "$1" 2>/dev/null) || true
        [[ -n $found ]] && { echo "$found"; return; }
        sleep 0.1
    done
    say "no '$2' in $1"; exit 1
}
status() { python3 -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/api/status"))["lastCycle"][sys.argv[2]])' "$1" "$2" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
for n in $sizes; do
    work="$bench/$n"
    mkdir -p "$work"
    python3 benchmarks/generate.py manifest --tasks "$n" "$work/manifest.yaml"
    "$batchctl" serve --listen 127.0.0.1:0 --db :memory: --no-auth --job-duration 0 >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    url=$(wait_for "$work/serve.out" 'http://127.0.0.1:[0-9]*')
    say "$n tasks: apply"
    (cd "$work" && "$batchctl" apply -f manifest.yaml --endpoint "$url" --auto-approve --parallelism 32 >apply.out 2>&1)
    for refresh in true false; do
        log="$work/controller-$refresh.log"
        (cd "$work" && exec "$batchctl" controller -f manifest.yaml --endpoint "$url" --interval 1h --jitter 0 \
            --refresh "$refresh" --listen 127.0.0.1:0 >"$log" 2>&1) &
        controller_pid=$!
        listen=$(wait_for "$log" 'http://127.0.0.1:[0-9]*$\|listening on http://127.0.0.1:[0-9]*' | grep -o 'http://127.0.0.1:[0-9]*')
        # The first cycle (after start) is the warm-up.
        for _ in $(seq 3000); do [[ $(status "$listen" number) -ge 1 ]] && break; sleep 0.1; done
        times=()
        for run in $(seq "$runs"); do
            curl -s -X POST "$listen/reconcile" >/dev/null 2>&1 || python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/reconcile", method="POST"))' "$listen"
            for _ in $(seq 3000); do [[ $(status "$listen" number) -ge $((run + 1)) ]] && break; sleep 0.1; done
            times+=("$(status "$listen" durationSeconds)")
        done
        result=$(python3 -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/api/status"))["lastCycle"]["result"])' "$listen")
        med=$(printf '%s ' "${times[@]}" | median)
        rows+=("| cycle, refresh $refresh | $n unchanged tasks | $(printf '%.3f' "$med") s | $(printf '%s\n' "${times[@]}" | sort -g | head -1 | xargs printf '%.3f') s - $(printf '%s\n' "${times[@]}" | sort -g | tail -1 | xargs printf '%.3f') s | $runs | $(python3 -c "print(f'{$n / $med:,.0f} tasks/s')"); $result |")
        if [[ $refresh == false ]]; then
            say "$n tasks: idle for $idle s"
            before=$(cpu_ticks "$controller_pid")
            sleep "$idle"
            after=$(cpu_ticks "$controller_pid")
            hz=$(getconf CLK_TCK)
            rss=$(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$controller_pid/status")
            rows+=("| idle between cycles | $n tasks in the state, interval 1h | $(python3 -c "print(f'{($after - $before) / $hz / $idle * 100:.3f} %')") of a core | | 1 | $(( after - before )) ticks in $idle s; RSS $rss |")
        fi
        kill "$controller_pid"; wait "$controller_pid" 2>/dev/null || true; controller_pid=""
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

echo "| measurement | workload | median | min - max | runs | derived |"
echo "|---|---|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
