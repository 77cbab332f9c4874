#!/usr/bin/env bash
# The state backends side by side, in one run: plan of a large state without refresh, apply at parallelism 32, and
# two concurrent applies on disjoint task sets against the same work done one after the other, on the file and on
# PostgreSQL. Starts its own PostgreSQL (initdb, pg_ctl on a free loopback port, as the postgres user when run as
# root) and its own `batchctl serve`, and stops both by pid however it ends. Not part of CI's tests.
#
#   benchmarks/backends.sh [--plan-tasks N] [--apply-tasks N] [--runs N] [--no-build]
#
#   --plan-tasks N   tasks in the planned state (default 100000)
#   --apply-tasks N  tasks applied (default 10000; the concurrent pair applies N/2 each)
#   --runs N         measured runs of each plan, after a warm-up (default 3); applies run once each
#   --no-build       use the batchctl already in .build-release
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
plan_tasks=100000 apply_tasks=10000 runs=3 build=1
while (($#)); do
    case "$1" in
        --plan-tasks) plan_tasks=${2:?}; shift ;;
        --apply-tasks) apply_tasks=${2:?}; shift ;;
        --runs) runs=${2:?}; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done

bench="$root/.build-bench/backends"
rm -rf "$bench" && mkdir -p "$bench"
say() { printf '[backends.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
batchctl="$root/.build-release/release/batchctl"
if ((build)); then
    say "swift build -c release --product batchctl"
    swift build -c release --scratch-path "$root/.build-release" --product batchctl >"$bench/build.log" 2>&1
fi

# PostgreSQL of our own.
pg_bin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")
pg_dir="$bench/pg"
mkdir -p "$pg_dir"
as_postgres=()
if [[ $(id -u) == 0 ]]; then chown postgres "$pg_dir"; as_postgres=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U batchctl --auth=trust -E UTF8 >"$bench/initdb.log" 2>&1
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $pg_dir" start >"$bench/pg_ctl.log" 2>&1
server_pid="" pg_pid=$(head -1 "$pg_dir/data/postmaster.pid")
stop_all() {
    [[ -n $server_pid ]] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    [[ -n $pg_pid ]] && { kill -INT "$pg_pid" 2>/dev/null || true; while kill -0 "$pg_pid" 2>/dev/null; do sleep 0.1; done; }
}
trap stop_all EXIT
pg() { echo "postgres://batchctl@127.0.0.1:$port/postgres?schema=$1"; }

start_serve() {
    "$batchctl" serve --listen 127.0.0.1:0 --db :memory: --no-auth --job-duration 0 >"$bench/serve.out" 2>"$bench/serve.err" &
    server_pid=$!
    url=""
    for _ in $(seq 600); do
        url=$(grep -o -m 1 'listening on http://[^ ]*' "$bench/serve.out" 2>/dev/null | cut -d' ' -f3) || true
        [[ -n $url ]] && break
        sleep 0.1
    done
    [[ -n $url ]] || { say "serve did not start"; exit 1; }
}
stop_serve() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
now() { date +%s%N; }
since() { echo "$(( $(now) - $1 ))" | awk '{ printf "%.2f", $1 / 1e9 }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# 1. plan without refresh of a large state: the file state is generated from a render, PostgreSQL's is migrated
#    from it (which is also the migrate figure).
say "making a $plan_tasks-task state"
mkdir -p "$bench/plan"
python3 benchmarks/generate.py manifest --tasks "$plan_tasks" "$bench/plan/manifest.yaml"
(cd "$bench/plan" && "$batchctl" render -o json -f manifest.yaml >render.json)
python3 benchmarks/generate.py state --render "$bench/plan/render.json" "$bench/plan/batchctl.state.json"
state_endpoint=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$bench/plan/batchctl.state.json")
start=$(now)
(cd "$bench/plan" && "$batchctl" state migrate --to "$(pg plan)" >"$bench/migrate.log")
migrate_seconds=$(since "$start")
declare -A plan_median
for backend in file postgres; do
    state="batchctl.state.json"
    [[ $backend == postgres ]] && state=$(pg plan)
    times=""
    for run in warmup $(seq "$runs"); do
        start=$(now)
        (cd "$bench/plan" && "$batchctl" plan --refresh=false --endpoint "$state_endpoint" --state "$state" -f manifest.yaml >"$bench/plan-$backend-$run.out")
        [[ $run == warmup ]] || times+=" $(since "$start")"
    done
    plan_median[$backend]=$(echo "$times" | median)
    say "plan of $plan_tasks on $backend: $times s"
done

# 2. apply at parallelism 32, each on a fresh server.
mkdir -p "$bench/apply"
python3 benchmarks/generate.py manifest --tasks "$apply_tasks" "$bench/apply/manifest.yaml"
declare -A apply_seconds
for backend in file postgres; do
    start_serve
    rm -f "$bench/apply/batchctl.state.json"*
    state="batchctl.state.json"
    [[ $backend == postgres ]] && state=$(pg apply)
    start=$(now)
    (cd "$bench/apply" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 --state "$state" -f manifest.yaml >"$bench/apply-$backend.log" 2>&1)
    apply_seconds[$backend]=$(since "$start")
    stop_serve
    say "apply of $apply_tasks on $backend: ${apply_seconds[$backend]} s"
done

# 3. two applies on disjoint sets of one PostgreSQL workspace, at once and one after the other.
half=$((apply_tasks / 2))
mkdir -p "$bench/pair"
python3 benchmarks/generate.py manifest --tasks "$half" "$bench/pair/a.yaml"
sed 's/^  name: bench$/  name: bench-b/' "$bench/pair/a.yaml" >"$bench/pair/b.yaml"
declare -A pair_seconds
for mode in sequential concurrent; do
    start_serve
    state=$(pg "pair_$mode")
    start=$(now)
    if [[ $mode == sequential ]]; then
        (cd "$bench/pair" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 --state "$state" -f a.yaml >"$bench/pair-$mode-a.log" 2>&1)
        (cd "$bench/pair" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 --state "$state" -f b.yaml >"$bench/pair-$mode-b.log" 2>&1)
    else
        (cd "$bench/pair" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 --state "$state" -f a.yaml >"$bench/pair-$mode-a.log" 2>&1) &
        first=$!
        (cd "$bench/pair" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 --state "$state" -f b.yaml >"$bench/pair-$mode-b.log" 2>&1)
        wait "$first"
    fi
    pair_seconds[$mode]=$(since "$start")
    stop_serve
    say "two applies of $half on disjoint sets, $mode: ${pair_seconds[$mode]} s"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<EOF
| measurement | file | PostgreSQL | ratio |
|---|---|---|---|
| plan --refresh=false, $plan_tasks tasks (median of $runs) | ${plan_median[file]} s | ${plan_median[postgres]} s | PostgreSQL / file = $(ratio "${plan_median[postgres]}" "${plan_median[file]}") |
| apply of $apply_tasks at parallelism 32 (throughput) | $(ratio "$apply_tasks" "${apply_seconds[file]}") tasks/s | $(ratio "$apply_tasks" "${apply_seconds[postgres]}") tasks/s | PostgreSQL / file = $(ratio "${apply_seconds[file]}" "${apply_seconds[postgres]}") |
| two applies of $half on disjoint sets (PostgreSQL) | one after the other: ${pair_seconds[sequential]} s | at once: ${pair_seconds[concurrent]} s | at once / one after the other = $(ratio "${pair_seconds[concurrent]}" "${pair_seconds[sequential]}") |
| state migrate of $plan_tasks entries, file to PostgreSQL | | $migrate_seconds s | |
EOF
