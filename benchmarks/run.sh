#!/usr/bin/env bash
# The benchmarks: builds release, makes the workloads, runs every measurement (warm-up + 3 runs) and prints a
# markdown table of medians with min-max, which also goes into benchmarks/README.md. Not part of CI's tests.
#
#   benchmarks/run.sh [--quick | --full] [--runs N] [--only 1,2,...] [--no-build] [--no-readme]
#   benchmarks/run.sh refresh [--sizes "10000 100000"] [--reads "id list"] [--parallelism P] [--runs N] [--no-build]
#   benchmarks/run.sh client [--requests N] [--concurrency C] [--no-build]
#   benchmarks/run.sh post [--requests N] [--concurrency C] [--no-build]
#
#   --quick      smaller sizes, 1 run each (a smoke test of the harness; not figures to compare)
#   --full       also the 100k Jenkins Job Builder run (about 6 minutes more)
#   --runs N     measured runs per figure (default 3; 1 with --quick)
#   --only LIST  sections to run: 1 expansion, 2 JJB, 3 YAML load, 4 plan, 5 serve ceiling, 6 apply, 7 drift
#   --no-build   use the binaries already in .build-release
#   --no-readme  print the table without writing it into benchmarks/README.md
#
#   refresh      only the growth of refresh: for each size, a fresh `batchctl serve` holding that many user
#                tasks (applied by batchctl), then `plan` (refresh on, the default) and `drift` against it with
#                each `--refresh-read` way, warm-up + N runs each; prints the medians, the ratio of the largest
#                size's time to the smallest's, and how much faster the list is than reads by id. With wrk
#                installed it also measures, on the same server, wrk's GET ceiling (GET /BatchTask/{id} over the
#                stored ids, 32 connections, 10 s, once per run) and `plan --refresh=false`, and derives the rate
#                of reads by id during a refresh: tasks / (plan with refresh - plan without), against the ceiling.
#   --parallelism  the --parallelism of those plans and drifts (default: batchctl's own)
#   --sizes      task counts for `refresh` (default "10000 100000")
#   --reads      the `--refresh-read` ways `refresh`, and sections 4 and 7, time (default "id list"; auto, list,
#                id)
#
#   client       only the API client's own cost: `batchctl-bench client-throughput` starts an emulator in its
#                process and prints the requests per second of GET through bare AsyncHTTPClient, through bare
#                AsyncHTTPClient plus decoding the BatchTaskInfo, and through BatchTaskClient, each over --requests
#                GETs (default 8000) at --concurrency C (default 32), after one warm-up.
#
#   post         only the client CPU one create costs: starts `batchctl serve` (in memory, no authentication) and
#                runs `batchctl-bench post-cpu` against it, which POSTs the same body --requests times (default
#                16000) at --concurrency C (default 32) through bare AsyncHTTPClient, through bare SwiftNIO (head and
#                body in one flush, nothing else) and through BatchTaskClient.create, after a warm-up each, and
#                prints the requests per second and the client process's CPU (getrusage) per request of each.
#
# Everything it makes lives in .build-bench/ (workloads, logs, the JJB virtualenv, the C event loop) and
# .build-release/ (the release build); both are git-ignored. Servers listen on 127.0.0.1 only and are stopped
# by pid when the script ends, however it ends.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
command_line="benchmarks/run.sh${*:+ $*}"
mode=default runs="" only="" build=1 readme=1 refresh=0 sizes="10000 100000" reads="id list" client=0 requests="" concurrency=""
parallelism=""
if [[ ${1:-} == refresh ]]; then refresh=1; shift; fi
if [[ ${1:-} == client ]]; then client=1; shift; fi
post=0
if [[ ${1:-} == post ]]; then post=1; client=1; shift; fi
while (($#)); do
    case "$1" in
        --sizes) sizes=${2:?--sizes needs a list}; shift ;;
        --reads) reads=${2:?--reads needs a list}; shift ;;
        --parallelism) parallelism=${2:?--parallelism needs a number}; shift ;;
        --requests) requests=${2:?--requests needs a number}; shift ;;
        --concurrency) concurrency=${2:?--concurrency needs a number}; shift ;;
        --quick) mode=quick ;;
        --full) mode=full ;;
        --runs) runs=${2:?--runs needs a number}; shift ;;
        --only) only=${2:?--only needs a list}; shift ;;
        --no-build) build=0 ;;
        --no-readme) readme=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done

bench_dir="$root/.build-bench"
release_dir="$root/.build-release"
mkdir -p "$bench_dir/logs"
say() { printf '[run.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=benchmarks/serve.sh
source "$root/benchmarks/serve.sh"

# `run.sh client`: the API client's throughput, from the release build of batchctl-bench alone.
if ((client)); then
    bench="$release_dir/release/batchctl-bench"
    if ((build)); then
        say "swift build -c release --product batchctl-bench"
        if ! swift build -c release --scratch-path "$release_dir" --product batchctl-bench >"$bench_dir/logs/build-bench.log" 2>&1; then
            say "batchctl-bench did not build: see .build-bench/logs/build-bench.log"
            tail -n 20 "$bench_dir/logs/build-bench.log" >&2
            exit 1
        fi
    fi
    [[ -x $bench ]] || { say "batchctl-bench is not built: run without --no-build"; exit 1; }
    if ((post)); then
        batchctl="$release_dir/release/batchctl"
        if ((build)); then
            say "swift build -c release --product batchctl"
            swift build -c release --scratch-path "$release_dir" --product batchctl >"$bench_dir/logs/build-batchctl.log" 2>&1 \
                || { say "batchctl did not build: see .build-bench/logs/build-batchctl.log"; exit 1; }
        fi
        server_pid=""
        trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true' EXIT
        start_serve "$batchctl" "$bench_dir/logs/post-serve"
        "$bench" post-cpu --port "${url##*:}" ${requests:+--requests "$requests"} ${concurrency:+--concurrency "$concurrency"}
        exit
    fi
    exec "$bench" client-throughput ${requests:+--requests "$requests"} ${concurrency:+--concurrency "$concurrency"}
fi

# Tools from Debian when missing: GNU time (peak RSS), wrk (the HTTP load), libyaml's headers (the C loop).
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v wrk >/dev/null || need+=(wrk)
pkg-config --exists yaml-0.1 2>/dev/null || need+=(libyaml-dev pkg-config)
if ((${#need[@]})); then
    say "installing ${need[*]} from Debian"
    if [[ $(id -u) == 0 ]]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") \
            >"$bench_dir/logs/apt.log" 2>&1 || say "apt-get failed (see $bench_dir/logs/apt.log); the rows that need ${need[*]} will say so"
    else
        say "not root: cannot install ${need[*]}; the rows that need them will say so"
    fi
fi

# The release build: batchctl, and batchctl-bench (the loader's side of the YAML measurement).
batchctl="$release_dir/release/batchctl"
bench="$release_dir/release/batchctl-bench"
build_problem=""
if ((build)); then
    say "swift build -c release --product batchctl (about 7-10 minutes from clean on 2 cores)"
    if ! swift build -c release --scratch-path "$release_dir" --product batchctl >"$bench_dir/logs/build-batchctl.log" 2>&1; then
        first_error=$(grep -m 1 -E 'error:' "$bench_dir/logs/build-batchctl.log" | cut -c 1-160 || true)
        build_problem="release build failed${first_error:+ ($first_error)}: see .build-bench/logs/build-batchctl.log"
        say "$build_problem"
        tail -n 20 "$bench_dir/logs/build-batchctl.log" >&2
        rm -f "$batchctl"
    fi
    say "swift build -c release --product batchctl-bench"
    if ! swift build -c release --scratch-path "$release_dir" --product batchctl-bench >"$bench_dir/logs/build-bench.log" 2>&1; then
        say "batchctl-bench did not build (is its target in Package.swift?): see .build-bench/logs/build-bench.log"
        rm -f "$bench"
    fi
fi
[[ -x $batchctl ]] || build_problem=${build_problem:-"not built: run without --no-build"}

# `run.sh refresh`: plan with refresh and drift against an emulator holding N tasks, for each N in --sizes.
if ((refresh)); then
    [[ -z $build_problem ]] || { say "$build_problem"; exit 1; }
    for command in plan drift serve apply; do
        # grep reads all of the help: -q would stop early, and pipefail count the SIGPIPE as a failure.
        "$batchctl" "$command" --help 2>/dev/null | grep "batchctl $command" >/dev/null \
            || { say "batchctl $command does not exist in this build"; exit 1; }
    done
    for way in $reads; do
        [[ $way == auto || $way == list || $way == id ]] || { say "--reads takes auto, list and id, not $way"; exit 64; }
    done
    "$batchctl" drift --help 2>/dev/null | grep -- "--refresh-read" >/dev/null \
        || { say "this build has no --refresh-read"; exit 1; }
    refresh_runs=${runs:-3}
    logs="$bench_dir/logs/refresh"
    mkdir -p "$logs" "$bench_dir/work/manifests"
    server_pid=""
    stop_server() {
        if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
        server_pid=""
    }
    trap stop_server EXIT
    seconds_since() { echo "$(( $(date +%s%N) - $1 ))" | awk '{ printf "%.3f", $1 / 1e9 }'; }
    min_max() { tr ' ' '\n' | sed '/^$/d' | sort -g | sed -n '1p;$p' | xargs | sed "s| | $1 - |"; }
    parallel_args=()
    parallel_label="default parallelism"
    if [[ -n $parallelism ]]; then parallel_args=(--parallelism "$parallelism"); parallel_label="--parallelism $parallelism"; fi
    has_wrk=0
    command -v wrk >/dev/null && has_wrk=1
    ((has_wrk)) || say "wrk is not installed: no GET ceiling, and no read rate against it"
    # Times `batchctl $1 ARGS...` in $work, warm-up + $refresh_runs runs; leaves the times in $times and the
    # median in medians[$key].
    time_runs() {
        local command=$1; shift
        times=""
        for run in warmup $(seq "$refresh_runs"); do
            start=$(date +%s%N)
            status=0
            (cd "$work" && BATCHCTL_ENDPOINT=$url "$batchctl" "$command" "$@" "${parallel_args[@]}" -f manifest.yaml) \
                >"$logs/$key-$run.out" 2>"$logs/$key-$run.err" || status=$?
            elapsed=$(seconds_since "$start")
            # drift exits 2 when something drifted; against what apply just made, nothing should have.
            if ((status != 0)); then say "$command $* at $n tasks exited $status: see $logs/$key-$run.err"; exit 1; fi
            [[ $run == warmup ]] || times+="$elapsed "
        done
        medians[$key]=$(echo "$times" | xargs | median_of)
    }
    median_of() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    declare -A medians
    rows=""
    for n in $sizes; do
        work="$bench_dir/work/refresh-$n"
        # User tasks: GET /BatchTask/All, which --refresh-read list reads, leaves system tasks out.
        rm -rf "$work" && mkdir -p "$work" && python3 benchmarks/generate.py manifest --tasks "$n" --user-tasks "$work/manifest.yaml"
        start_serve "$batchctl" "$logs/serve-$n"
        say "applying $n tasks to $url"
        (cd "$work" && BATCHCTL_ENDPOINT=$url "$batchctl" apply --auto-approve --parallelism 32 -f manifest.yaml) \
            >"$logs/apply-$n.log" 2>&1 || { say "apply of $n tasks failed: see $logs/apply-$n.log"; exit 1; }
        if ((has_wrk)); then
            rates=""
            for run in warmup $(seq "$refresh_runs"); do
                wrk -t2 -c32 -d10s -s benchmarks/wrk/get.lua "$url" -- "$n" >"$logs/wrk-get-$n-$run.out" 2>&1 \
                    || { say "wrk failed: see $logs/wrk-get-$n-$run.out"; exit 1; }
                bad=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$logs/wrk-get-$n-$run.out" | grep -o '[0-9]*$' || true)
                [[ -z $bad ]] || { say "wrk's GETs had $bad answers that were not 2xx: see $logs/wrk-get-$n-$run.out"; exit 1; }
                rate=$(grep -o 'Requests/sec: *[0-9.]*' "$logs/wrk-get-$n-$run.out" | grep -o '[0-9.]*$')
                [[ $run == warmup ]] || rates+="$rate "
            done
            medians[ceiling-$n]=$(echo "$rates" | xargs | median_of)
            rows+="| serve + wrk: GET /api/v1/BatchTask/{id}, 32 connections, 10 s | ids drawn from 1..$n, $n user tasks on serve (in-memory) | ${medians[ceiling-$n]} req/s | $(echo "$rates" | min_max req/s) req/s | $refresh_runs | |"$'\n'
            key=plan-norefresh-$n
            time_runs plan --refresh=false
            rows+="| plan --refresh=false | $n user tasks, the same state | ${medians[$key]} s | $(echo "$times" | min_max s) s | $refresh_runs | said: $(tail -n 1 "$logs/$key-1.out") |"$'\n'
        fi
        for way in $reads; do
            for command in plan drift; do
                key=$command-$way-$n
                time_runs "$command" --refresh-read "$way"
                label=$command; [[ $command == drift ]] || label="$command (refresh)"
                said=$(tail -n 1 "$logs/$key-1.out")
                rows+="| $label, --refresh-read $way | $n user tasks on serve (in-memory), $parallel_label | ${medians[$key]} s | $(echo "$times" | min_max s) s | $refresh_runs | said: $said |"$'\n'
            done
        done
        stop_server
    done
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`$command_line\`, commit $(git rev-parse --short HEAD)."
    echo "load (\`uptime\`): $(uptime)"
    echo
    echo "| measurement | workload | median | min - max | runs | output |"
    echo "|---|---|---:|---:|---:|---|"
    printf '%s' "$rows"
    read -r -a measured <<<"$sizes"
    read -r -a ways <<<"$reads"
    echo
    if ((${#measured[@]} > 1)); then
        small=${measured[0]} large=${measured[${#measured[@]} - 1]}
        for way in "${ways[@]}"; do
            for command in plan drift; do
                awk -v c="$command --refresh-read $way" -v a="${medians[$command-$way-$small]}" -v b="${medians[$command-$way-$large]}" \
                    -v s="$small" -v l="$large" \
                    'BEGIN { printf "- %s: %s tasks take %.1fx the time of %s tasks (goal at 10x the tasks: <= 12x)\n", c, l, b / a, s }'
            done
        done
    fi
    if ((has_wrk)) && [[ " $reads " == *" id "* ]]; then
        for n in $sizes; do
            awk -v n="$n" -v with="${medians[plan-id-$n]}" -v without="${medians[plan-norefresh-$n]}" -v c="${medians[ceiling-$n]}" \
                -v p="$parallel_label" \
                'BEGIN { r = n / (with - without); printf "- reads by id during a refresh at %s tasks, %s: %.0f GET/s (%s tasks / (%.3f s - %.3f s)), %.2f of the GET ceiling of %.0f req/s (goal 0.9)\n", n, p, r, n, with, without, r / c, c }'
        done
    fi
    if ((has_wrk)) && [[ " $reads " == *" list "* ]]; then
        for n in $sizes; do
            awk -v n="$n" -v with="${medians[plan-list-$n]}" -v without="${medians[plan-norefresh-$n]}" -v c="${medians[ceiling-$n]}" \
                'BEGIN { r = n / (with - without); printf "- tasks read by the list during a refresh at %s tasks: %.0f a second (%s tasks / (%.3f s - %.3f s)), %.2fx the GET ceiling of %.0f reads by id a second\n", n, r, n, with, without, r / c, c }'
        done
    fi
    if [[ " $reads " == *" id "* && " $reads " == *" list "* ]]; then
        for n in $sizes; do
            for command in plan drift; do
                awk -v c="$command" -v a="${medians[$command-id-$n]}" -v b="${medians[$command-list-$n]}" -v n="$n" \
                    'BEGIN { printf "- %s at %s tasks: --refresh-read list takes %.2fx the time of id (%.3f s against %.3f s)\n", c, n, b / a, b, a }'
            done
        done
    fi
    exit 0
fi

# The raw libyaml event loop in C.
yaml_events="$bench_dir/yaml-events"
if ! cc -O2 -Wall -o "$yaml_events" benchmarks/c/yaml_events.c $(pkg-config --cflags --libs yaml-0.1 2>/dev/null || echo -lyaml) \
    >"$bench_dir/logs/build-c.log" 2>&1; then
    say "the C event loop did not build: see .build-bench/logs/build-c.log"
    yaml_events=""
fi

# Jenkins Job Builder in its own virtualenv (offline after the install: `jenkins-jobs test` contacts no Jenkins).
venv="$bench_dir/jjb-venv"
jenkins_jobs="$venv/bin/jenkins-jobs"
jjb_problem=""
if [[ ! -x $jenkins_jobs ]] && [[ -z $only || ,$only, == *,2,* || ,$only, == *,3,* ]]; then
    say "installing jenkins-job-builder (and with it PyYAML) into .build-bench/jjb-venv"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q jenkins-job-builder; } >"$bench_dir/logs/jjb-install.log" 2>&1; then
        jjb_problem="pip install jenkins-job-builder failed: see .build-bench/logs/jjb-install.log"
        say "$jjb_problem"
    fi
fi

# PyYAML with libyaml: the venv's (a JJB dependency), else the system python's.
pyyaml_python="" pyyaml_version=""
for python in "$venv/bin/python" python3; do
    if version=$("$python" -c 'import sys, yaml; print(yaml.__version__) if yaml.__with_libyaml__ else sys.exit(1)' 2>/dev/null); then
        pyyaml_python=$(command -v "$python"); pyyaml_version=$version; break
    fi
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -z $(git status --porcelain 2>/dev/null) ]] || commit="$commit (with uncommitted changes)"
# (`wrk -v` exits 1 after printing its version: every probe here ends in `|| true`.)
versions="$({ swift --version 2>/dev/null || true; } | head -n 1 | sed 's/ (swift-.*//')"
if [[ -x $jenkins_jobs ]]; then
    versions+="; jenkins-job-builder $({ "$venv/bin/pip" show jenkins-job-builder 2>/dev/null || true; } | sed -n 's/^Version: //p')"
fi
if [[ -n $pyyaml_version ]]; then versions+="; PyYAML $pyyaml_version"; fi
if command -v wrk >/dev/null; then versions+="; $({ wrk -v 2>&1 || true; } | head -n 1 | cut -d' ' -f1-2)"; fi
versions+="; libyaml $(pkg-config --modversion yaml-0.1 2>/dev/null || echo '?')"

args=(--mode "$mode" --build-dir "$bench_dir" --command "$command_line" --commit "$commit" --versions "$versions"
      --build-problem "$build_problem" --jjb-problem "$jjb_problem" --results "$bench_dir/results.md")
[[ -x $batchctl ]] && args+=(--batchctl "$batchctl")
[[ -x $bench ]] && args+=(--bench "$bench")
[[ -n $yaml_events ]] && args+=(--yaml-events "$yaml_events")
[[ -x $jenkins_jobs ]] && args+=(--jenkins-jobs "$jenkins_jobs")
[[ -n $pyyaml_python ]] && args+=(--pyyaml-python "$pyyaml_python" --pyyaml-version "$pyyaml_version")
[[ -n $runs ]] && args+=(--runs "$runs")
[[ -n $only ]] && args+=(--only "$only")
args+=(--refresh-reads "$reads")
((readme)) && args+=(--readme "$root/benchmarks/README.md")

say "measuring ($mode mode); logs in .build-bench/logs"
exec python3 benchmarks/bench.py "${args[@]}"
