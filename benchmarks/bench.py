#!/usr/bin/env python3
"""The measurements behind benchmarks/run.sh (which builds what this runs; see benchmarks/README.md).

Each measurement is a warm-up run (which also checks the output: the task count, the job count, the stored
tasks) and then --runs measured runs; the table shows the median and min-max. Ratios are taken run by run
within one invocation and shown the same way. Anything that cannot run (a command that does not exist yet, a
failed build, a failed or timed-out run) gets a row that says so and no figure.

Every server this starts listens on 127.0.0.1 only, and is stopped by its pid when this ends, however it ends.
"""

import argparse
import atexit
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATE = os.path.join(HERE, "generate.py")
LOOPBACK = "http://127.0.0.1:"
# What apply sends for the first task of section 6's manifest; wrk/post.lua sends the same.
POST_BODY = {
    "Name": "Import EU shard 1 of 1000",
    "AssociateId": 0,
    "IsSystemTask": True,
    "IsInternalTask": False,
    "ParameterObject": {
        "kind": "import",
        "region": "eu",
        "shard": "1",
        "record": "100010",
        "sourceBucket": "crm-prod-eu",
        "sourcePrefix": "eu/000001/",
        "batchSize": "500",
        "dryRun": "false",
        "notify": "crm-oncall,data-team",
        "priority": "1"
    },
    "DatabaseSerialNumber": "706323",
    "Context": "batchctl/bench/prod",
    "Description": "Shard 1 of eu (prod), 1000 shards in all",
    "Request": "region=eu&shard=1&rows=500",
    "FileName": "imports/eu/shard-000001.csv",
    "CancellationBehaviour": "CanCancel"
}


class Failure(Exception):
    """A run that did not give a figure; the message goes into the table."""


# MARK: - Rows and the table

class Row:
    def __init__(self, section, measurement, workload, unit=None, values=None, derived="", goal="", note=""):
        self.section, self.measurement, self.workload = section, measurement, workload
        self.unit, self.values, self.derived, self.goal, self.note = unit, values or [], derived, goal, note


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def fmt(value, unit):
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "MB/s":
        return f"{value:.2f} MB/s" if value < 10 else f"{value:.1f} MB/s"
    if unit in ("req/s", "tasks/s"):
        return f"{value:,.0f} {unit}"
    if unit == "x":
        return f"{value:.3f}x" if value < 1 else f"{value:.2f}x"
    return f"{value:g} {unit}"


def spread(values, unit):
    """'median (min-max)' of a list, or the one value."""
    if len(values) == 1:
        return fmt(values[0], unit)
    return f"{fmt(median(values), unit)} ({fmt(min(values), unit)} - {fmt(max(values), unit)})"


def markdown(rows):
    lines = ["| # | measurement | workload | median | min - max | runs | derived | goal |",
             "|---|---|---|---:|---:|---:|---|---|"]
    for row in rows:
        def cell(text):
            return str(text).replace("|", "\\|").replace("\n", " ")
        if row.values:
            figure = fmt(median(row.values), row.unit)
            span = f"{fmt(min(row.values), row.unit)} - {fmt(max(row.values), row.unit)}" if len(row.values) > 1 else ""
            runs = str(len(row.values))
        else:
            figure, span, runs = row.note or "not measured", "", ""
        derived = row.derived
        if row.values and row.note:
            derived = f"{derived}; {row.note}" if derived else row.note
        lines.append("| " + " | ".join(cell(c) for c in (
            row.section, row.measurement, row.workload, figure, span, runs, derived, row.goal)) + " |")
    return "\n".join(lines)


# MARK: - Processes

SERVERS = []


def stop_all_servers():
    for server in list(SERVERS):
        server.stop()


def on_signal(number, _frame):
    stop_all_servers()
    sys.exit(128 + number)


atexit.register(stop_all_servers)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


class Result:
    def __init__(self, seconds, rss_mb, returncode, stdout_path, stderr_path, cpu=None):
        self.seconds, self.rss_mb, self.returncode, self.cpu = seconds, rss_mb, returncode, cpu
        self.stdout_path, self.stderr_path = stdout_path, stderr_path

    def stdout(self):
        with open(self.stdout_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def last_line(self, path=None):
        with open(path or self.stdout_path, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        return lines[-1] if lines else ""


def tail(path, lines=3):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = [line.rstrip() for line in f if line.strip()]
    except OSError:
        return ""
    return " / ".join(text[-lines:])[:300]


def run(command, log_dir, name, timeout, cwd=None, env=None, stdout_path=None, ok_codes=(0,), prefix=()):
    """Runs `command` under /usr/bin/time -v; wall seconds from here, peak RSS and CPU seconds (user + system)
    from time. `prefix` goes before it all (taskset). Raises Failure."""
    os.makedirs(log_dir, exist_ok=True)
    stdout_path = stdout_path or os.path.join(log_dir, f"{name}.out")
    stderr_path = os.path.join(log_dir, f"{name}.err")
    time_path = os.path.join(log_dir, f"{name}.time")
    full_env = dict(os.environ, **(env or {}))
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen([*prefix, "/usr/bin/time", "-v", "-o", time_path, *command], cwd=cwd, env=full_env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise Failure(f"timed out after {timeout:.0f} s")
        seconds = time.perf_counter() - start
    rss_mb = None
    cpu = 0.0
    try:
        with open(time_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "Maximum resident set size" in line:
                    rss_mb = int(line.rsplit(":", 1)[1]) / 1024
                elif "User time (seconds)" in line or "System time (seconds)" in line:
                    cpu += float(line.rsplit(":", 1)[1])
    except (OSError, ValueError):
        pass
    if process.returncode not in ok_codes:
        raise Failure(f"failed: exit {process.returncode}: {tail(stderr_path) or tail(stdout_path)}")
    return Result(seconds, rss_mb, process.returncode, stdout_path, stderr_path, cpu)


class Server:
    """`batchctl serve` on a free loopback port with an in-memory database."""

    def __init__(self, batchctl, log_dir, name, extra=(), prefix=()):
        os.makedirs(log_dir, exist_ok=True)
        self.out_path = os.path.join(log_dir, f"{name}.serve.out")
        self.err_path = os.path.join(log_dir, f"{name}.serve.err")
        command = [*prefix, batchctl, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:", "--no-auth", *extra]
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                            start_new_session=True)
        SERVERS.append(self)
        self.url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            with open(self.out_path, encoding="utf-8", errors="replace") as f:
                match = re.search(r"listening on (http://\S+)", f.read())
            if match:
                self.url = match.group(1).rstrip("/")
                break
            time.sleep(0.05)
        if not self.url:
            self.stop()
            raise Failure(f"failed: serve did not start: {tail(self.err_path)}")
        if not self.url.startswith(LOOPBACK):
            self.stop()
            raise Failure(f"failed: serve listens on {self.url}, not on 127.0.0.1")

    def stop(self):
        if self in SERVERS:
            SERVERS.remove(self)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def cpu_seconds(self):
        """User + system CPU the server has used so far."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def max_id(self):
        """The highest task id stored (ids count up from 1), or 0 for none."""
        query = urllib.parse.urlencode({"$orderBy": "Id desc", "$top": "1", "$select": "Id"})
        with urllib.request.urlopen(f"{self.url}/api/v1/BatchTask?{query}", timeout=30) as response:
            values = json.load(response).get("value", [])
        # Archive rows carry the id as PrimaryKey, a string in the slim mode (api.md v3).
        return int(values[0]["PrimaryKey"]) if values else 0

    def post_one(self):
        request = urllib.request.Request(f"{self.url}/api/v1/BatchTask", data=json.dumps(POST_BODY).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.read())


# MARK: - The benchmark

class Bench:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.work = os.path.join(args.build_dir, "work")
        self.logs = os.path.join(args.build_dir, "logs")
        os.makedirs(self.work, exist_ok=True)
        self.batchctl = args.batchctl if args.batchctl and os.access(args.batchctl, os.X_OK) else None
        self.post_ceiling = None  # req/s of POST into an empty store, for the apply ratios
        self.commands = {}

    def say(self, text):
        print(f"[bench {datetime.datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)

    def add(self, row):
        self.rows.append(row)
        shown = spread(row.values, row.unit) if row.values else row.note
        self.say(f"{row.section} {row.measurement} [{row.workload}]: {shown} {row.derived}".rstrip())

    # -- helpers

    def missing_batchctl(self):
        return f"not measured: no release build of batchctl ({self.args.build_problem or 'see the build log'})"

    def has_command(self, name):
        """`batchctl NAME --help` succeeds and is the subcommand's own help (the root's help also exits 0)."""
        if not self.batchctl:
            return False
        if name not in self.commands:
            probe = subprocess.run([self.batchctl, name, "--help"], stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, timeout=60)
            self.commands[name] = probe.returncode == 0 and f"batchctl {name}" in probe.stdout
        return self.commands[name]

    def refresh_reads(self):
        """The `--refresh-read` ways to time plan and drift with; [None] (no flag) for a batchctl without it."""
        probe = subprocess.run([self.batchctl, "drift", "--help"], stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=60)
        return self.args.refresh_reads.split() if "--refresh-read" in probe.stdout else [None]

    def absent(self, name):
        if not self.batchctl:
            return self.missing_batchctl()
        return None if self.has_command(name) else f"not measured: `batchctl {name}` does not exist yet"

    def generate(self, kind, size_flag, size, path, *flags):
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run([sys.executable, GENERATE, kind, size_flag, str(size), *flags, path + ".tmp"], check=True)
            os.replace(path + ".tmp", path)
        return path

    def manifest(self, tasks, user_tasks=False):
        """Section 1's manifest of `tasks` tasks; with `user_tasks`, the same as user tasks (`--user-tasks`)."""
        if user_tasks:
            return self.generate("manifest", "--tasks", tasks, os.path.join(self.work, "manifests", f"bench-{tasks}-user.yaml"),
                                 "--user-tasks")
        return self.generate("manifest", "--tasks", tasks, os.path.join(self.work, "manifests", f"bench-{tasks}.yaml"))

    def repeat(self, measure, check=None):
        """One warm-up (checked by `check`, when given), then the measured runs; returns what `measure` returned."""
        warm = measure("warmup")
        if check:
            check(warm)
        return [measure(f"run{index}") for index in range(1, self.args.runs + 1)]

    @staticmethod
    def label(tasks):
        return f"{tasks // 1000}k" if tasks % 1000 == 0 else str(tasks)

    # -- 1. expansion

    def expansion(self):
        for tasks in self.args.expansion_sizes:
            workload = f"{self.label(tasks)} tasks: 10 regions x {tasks // 10} shards, template extends template, defaults, 15 templated values"
            if not self.batchctl:
                self.add(Row("1", "render --output json", workload, note=self.missing_batchctl()))
                continue
            path = self.manifest(tasks)
            logs = os.path.join(self.logs, f"expansion-{tasks}")

            def measure(name, tasks=tasks, path=path, logs=logs):
                out = os.path.join(logs, f"{name}.json") if name == "warmup" else os.devnull
                return run([self.batchctl, "render", "-f", os.path.basename(path), "--output", "json"], logs, name,
                           timeout=self.args.timeout, cwd=os.path.dirname(path), stdout_path=out)

            def check(result, tasks=tasks):
                with open(result.stdout_path, encoding="utf-8") as f:
                    count = len(json.load(f))
                if count != tasks:
                    raise Failure(f"failed: render printed {count} tasks, not {tasks}")
                os.remove(result.stdout_path)

            try:
                results = self.repeat(measure, check)
            except Failure as failure:
                self.add(Row("1", "render --output json", workload, note=str(failure)))
                continue
            walls = [r.seconds for r in results]
            rates = [tasks / s for s in walls]
            goal_time = goal_rss = ""
            if tasks == 100_000:
                goal_time = "<= 1 s: " + ("met" if median(walls) <= 1 else "missed")
            self.add(Row("1", "render --output json: wall", workload, "s", walls,
                         derived=spread(rates, "tasks/s"), goal=goal_time))
            rss = [r.rss_mb for r in results if r.rss_mb is not None]
            if tasks == 100_000 and rss:
                goal_rss = "<= 300 MB: " + ("met" if median(rss) <= 300 else "missed")
            self.add(Row("1", "render --output json: peak RSS", workload, "MB", rss, goal=goal_rss))

    # -- 2. Jenkins Job Builder

    def jjb(self):
        jenkins_jobs = self.args.jenkins_jobs
        for tasks in self.args.jjb_sizes:
            workload = f"{self.label(tasks)} jobs: job-template + project, 10 regions x {tasks // 10} shards"
            if not jenkins_jobs or not os.access(jenkins_jobs, os.X_OK):
                self.add(Row("2", "jenkins-jobs test -o DIR", workload,
                             note=f"not measured: jenkins-job-builder not installed ({self.args.jjb_problem or 'see the log'})"))
                continue
            path = self.generate("jjb", "--tasks", tasks, os.path.join(self.work, "jjb", f"jjb-{tasks}.yaml"))
            manifest = self.manifest(tasks)
            logs = os.path.join(self.logs, f"jjb-{tasks}")
            out_dir = os.path.join(self.work, "jjb", f"out-{tasks}")
            conf = os.path.join(self.work, "jjb", "jenkins_jobs.ini")
            with open(conf, "w", encoding="utf-8") as f:
                f.write("[job_builder]\nignore_cache=True\n")
            env = {"XDG_CACHE_HOME": os.path.join(self.work, "jjb", "cache"), "HOME": os.path.join(self.work, "jjb")}

            def measure(name, tasks=tasks, path=path, manifest=manifest, logs=logs, out_dir=out_dir, conf=conf, env=env):
                shutil.rmtree(out_dir, ignore_errors=True)
                os.makedirs(out_dir)
                ours = None
                if self.batchctl:
                    ours = run([self.batchctl, "render", "-f", os.path.basename(manifest), "--output", "json"], logs,
                               f"{name}.batchctl", timeout=self.args.timeout, cwd=os.path.dirname(manifest),
                               stdout_path=os.devnull)
                theirs = run([jenkins_jobs, "--conf", conf, "test", "-o", out_dir, path], logs, f"{name}.jjb",
                             timeout=self.args.jjb_timeout, env=env)
                return ours, theirs

            def check(pair, tasks=tasks, out_dir=out_dir):
                count = len(os.listdir(out_dir))
                if count != tasks:
                    raise Failure(f"failed: jenkins-jobs wrote {count} jobs, not {tasks}")

            try:
                pairs = self.repeat(measure, check)
            except Failure as failure:
                self.add(Row("2", "jenkins-jobs test -o DIR", workload, note=str(failure)))
                continue
            finally:
                shutil.rmtree(out_dir, ignore_errors=True)
            walls = [theirs.seconds for _, theirs in pairs]
            derived = spread([tasks / s for s in walls], "tasks/s")
            if self.batchctl:
                ratios = [theirs.seconds / ours.seconds for ours, theirs in pairs]
                derived += f"; JJB / batchctl per task: {spread(ratios, 'x')}"
            else:
                derived += "; no ratio: no release build of batchctl"
            self.add(Row("2", "jenkins-jobs test -o DIR: wall", workload, "s", walls, derived=derived))

    # -- 3. YAML load

    def yaml_load(self):
        megabytes = self.args.yaml_megabytes
        path = self.generate("yaml", "--megabytes", megabytes, os.path.join(self.work, "yaml", f"plain-{megabytes:g}mb.yaml"))
        size = os.path.getsize(path)
        workload = f"generated YAML, {size / 1e6:.1f} MB"
        logs = os.path.join(self.logs, "yaml")
        readers = []  # (name, command or None, reason)
        readers.append(("libyaml event loop (C, -O2)", [self.args.yaml_events] if self.args.yaml_events else None,
                        "not measured: the C event loop did not build (see the build log)"))
        readers.append(("batchctl loader (YAML module)",
                        [self.args.bench, "yaml-load"] if self.args.bench and os.access(self.args.bench, os.X_OK) else None,
                        "not measured: no release build of batchctl-bench (is its target in Package.swift?)"))
        python = self.args.pyyaml_python
        readers.append((f"PyYAML {self.args.pyyaml_version} CSafeLoader" if python else "PyYAML CSafeLoader",
                        [python, os.path.join(HERE, "pyyaml_load.py")] if python else None,
                        "not measured: no PyYAML with libyaml found"))

        def parse(result):
            match = re.search(r"bytes=(\d+) seconds=([0-9.]+)", result.stdout())
            if not match:
                raise Failure(f"failed: unexpected output: {result.last_line()}")
            return int(match.group(1)), float(match.group(2))

        # PyYAML takes about a minute per 50 MB here: its warm-up is a 1 MB file, which loads its modules just
        # the same; the others warm up on the measured file (which puts it in the page cache for everyone).
        small = self.generate("yaml", "--megabytes", 1, os.path.join(self.work, "yaml", "plain-1mb.yaml"))
        outcome = {}
        for name, command, reason in readers:
            if command is None:
                outcome[name] = reason
        nodes = None
        for index in range(0, self.args.runs + 1):
            for name, command, _ in readers:
                if name in outcome and isinstance(outcome[name], str):
                    continue
                label = "warmup" if index == 0 else f"run{index}"
                target = small if index == 0 and command[0] == python else path
                try:
                    result = run([*command, target], logs, f"{label}.{name.split()[0].lower()}",
                                 timeout=self.args.timeout)
                    byte_count, seconds = parse(result)
                    if "nodes=" in result.stdout():
                        nodes = result.stdout().split("nodes=")[1].split()[0]
                except Failure as failure:
                    outcome[name] = str(failure)
                    continue
                if index > 0:
                    outcome.setdefault(name, []).append((byte_count / 1e6 / seconds, result.rss_mb))
        base = outcome.get(readers[0][0])
        for position, (name, _, _) in enumerate(readers):
            measured = outcome.get(name)
            if isinstance(measured, str) or measured is None:
                self.add(Row("3", name, workload, note=measured or "not measured"))
                continue
            rates = [rate for rate, _ in measured]
            rss = [r for _, r in measured if r is not None]
            derived = f"peak RSS {spread(rss, 'MB')}" if rss else ""
            goal = ""
            if position > 0 and isinstance(base, list) and len(base) == len(measured):
                ratios = [mine / theirs for (mine, _), (theirs, _) in zip(measured, base)]
                derived = f"of libyaml: {spread(ratios, 'x')}; " + derived
                if position == 1:
                    goal = ">= 0.5 of libyaml: " + ("met" if median(ratios) >= 0.5 else "missed")
            if position == 1 and nodes:
                derived += f"; {int(nodes):,} nodes"
            self.add(Row("3", name, workload, "MB/s", rates, derived=derived, goal=goal))

    # -- 5. the emulator's ceiling

    def wrk(self, server, script, seconds, logs, name, args=(), prefix=()):
        command = [*prefix, "wrk", "-t2", "-c32", f"-d{seconds}s", "-s", os.path.join(HERE, "wrk", script), server.url]
        if args:
            command += ["--", *map(str, args)]
        result = run(command, logs, name, timeout=seconds + 60)
        text = result.stdout()
        match = re.search(r"Requests/sec:\s+([0-9.]+)", text)
        if not match:
            raise Failure(f"failed: wrk printed no rate: {result.last_line()}")
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
        errors = re.search(r"Socket errors:.*", text)
        if bad and int(bad.group(1)) > 0:
            raise Failure(f"failed: {bad.group(1)} answers were not 2xx (see {result.stdout_path})")
        return float(match.group(1)), errors.group(0) if errors else ""

    def preload(self, server, tasks, logs, name):
        """Stores about `tasks` tasks through the API with wrk, each thread stopping after its share."""
        threads = 2
        command = ["wrk", f"-t{threads}", "-c32", "-d300s", "-s", os.path.join(HERE, "wrk", "preload.lua"),
                   server.url, "--", str(tasks // threads)]
        os.makedirs(logs, exist_ok=True)
        with open(os.path.join(logs, f"{name}.out"), "wb") as out:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        # A stopped wrk thread sends nothing more, but wrk itself waits out -d: end it once the tasks are in.
        deadline = time.monotonic() + 300
        try:
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.25)
                if server.max_id() >= tasks:
                    time.sleep(0.5)  # let the requests in flight land
                    break
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        stored = server.max_id()
        if stored < tasks:
            raise Failure(f"failed: preload stored {stored} tasks, not {tasks}")
        return stored

    def ceiling(self):
        seconds = self.args.wrk_seconds
        stored = self.args.ceiling_stored
        reason = self.absent("serve") or (None if shutil.which("wrk") else "not measured: wrk is not installed")
        cases = [("empty", "empty store (GET: 1 stored task)"), ("full", f"{self.label(stored)} stored tasks")]

        def measurement(method):
            what = "POST /api/v1/BatchTask" if method == "POST" else "GET /api/v1/BatchTask/{id}"
            return f"serve + wrk: {what}, 32 connections, {seconds} s"

        if reason:
            for _, text in cases:
                for method in ("POST", "GET"):
                    self.add(Row("5", measurement(method), text, note=reason))
            return
        logs = os.path.join(self.logs, "ceiling")
        for case, text in cases:
            results = {"POST": [], "GET": []}
            notes = {"POST": set(), "GET": set()}
            failed = {}
            counts = []
            for index in range(0, self.args.runs + 1):
                label = "warmup" if index == 0 else f"run{index}"
                duration = min(2, seconds) if index == 0 else seconds
                try:
                    with Server(self.batchctl, logs, f"{case}-{label}") as server:
                        if case == "empty":
                            server.post_one()
                            get_args = (1,)
                        else:
                            count = self.preload(server, stored, logs, f"{case}-{label}.preload")
                            counts.append(count)
                            get_args = (stored,)
                        # GET first, while the store holds exactly what the row says; then POST.
                        for method, script, extra in (("GET", "get.lua", get_args), ("POST", "post.lua", ())):
                            if method in failed:
                                continue
                            try:
                                rate, errors = self.wrk(server, script, duration, logs, f"{case}-{label}.{method}", extra)
                            except Failure as failure:
                                failed[method] = str(failure)
                                continue
                            if index > 0:
                                results[method].append(rate)
                                if errors:
                                    notes[method].add(errors)
                except Failure as failure:
                    failed.setdefault("POST", str(failure))
                    failed.setdefault("GET", str(failure))
            workload = text if case == "empty" or not counts else f"{text} ({min(counts):,}-{max(counts):,} after preload)"
            for method in ("POST", "GET"):
                if method in failed:
                    self.add(Row("5", measurement(method), workload, note=failed[method]))
                    continue
                self.add(Row("5", measurement(method), workload, "req/s", results[method],
                             note="; ".join(sorted(notes[method]))))
                if case == "empty" and method == "POST":
                    self.post_ceiling = median(results[method])

    # -- apply, shared by 4, 6 and 7

    def apply(self, server, tasks, parallelism, directory, logs, name, prefix=(), user_tasks=False):
        """A fresh state in `directory`, then `batchctl apply` of `tasks` creates; checks the server got them all.
        `user_tasks` makes them IsSystemTask: false, so that `GET /BatchTask/All` lists them."""
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        shutil.copy(self.manifest(tasks, user_tasks), os.path.join(directory, "manifest.yaml"))
        before = server.max_id()
        result = run([self.batchctl, "apply", "--auto-approve", "--parallelism", str(parallelism), "-f", "manifest.yaml"],
                     logs, name, timeout=self.args.apply_timeout, cwd=directory, env={"BATCHCTL_ENDPOINT": server.url},
                     prefix=prefix)
        created = server.max_id() - before
        if created != tasks:
            raise Failure(f"failed: apply made {created} tasks, not {tasks}: {result.last_line()}")
        return result

    # -- 6. apply throughput

    def apply_throughput(self):
        tasks = self.args.apply_tasks
        reason = self.absent("apply") or self.absent("serve")
        logs = os.path.join(self.logs, "apply")
        apply32 = None
        for parallelism in (1, 8, 32):
            workload = f"{self.label(tasks)} creates into an empty in-memory store"
            measurement = f"apply --parallelism {parallelism}"
            if reason:
                self.add(Row("6", measurement, workload, note=reason))
                continue
            directory = os.path.join(self.work, "apply", f"p{parallelism}")

            def measure(name, parallelism=parallelism, directory=directory):
                with Server(self.batchctl, logs, f"p{parallelism}-{name}") as server:
                    before = server.cpu_seconds()
                    result = self.apply(server, tasks, parallelism, directory, logs, f"p{parallelism}-{name}")
                    result.server_cpu = server.cpu_seconds() - before
                    return result

            try:
                results = self.repeat(measure)
            except Failure as failure:
                self.add(Row("6", measurement, workload, note=str(failure)))
                continue
            rates = [tasks / r.seconds for r in results]
            goal = ""
            if self.post_ceiling:
                derived = f"of the POST ceiling: {spread([rate / self.post_ceiling for rate in rates], 'x')}"
                if parallelism == 32:
                    goal = ">= 0.8 of the ceiling: " + ("met" if median(rates) / self.post_ceiling >= 0.8 else "missed")
            else:
                derived = "no ratio: the POST ceiling (section 5) was not measured"
            if parallelism == 32:
                derived += "; " + self.cpu_budget(results, tasks)
                client_us = median([r.cpu / tasks for r in results]) * 1e6
                goal += f"; client CPU <= 100 us per create: {'met' if client_us <= 100 else 'missed'}"
                apply32 = rates
            self.add(Row("6", measurement, workload, "tasks/s", rates, derived=derived, goal=goal))
        self.python_peer(tasks, logs, reason, apply32)
        self.apply_pinned(tasks, logs, reason)

        latency = 20
        for parallelism in (1, 8, 32):
            ideal = parallelism * 1000 / latency
            count = int(min(self.args.apply_tasks, ideal * self.args.latency_seconds)) // 10 * 10
            workload = f"{self.label(count)} creates, serve --latency {latency}"
            measurement = f"apply --parallelism {parallelism}, {latency} ms latency"
            if reason:
                self.add(Row("6", measurement, workload, note=reason))
                continue
            directory = os.path.join(self.work, "apply", f"latency-p{parallelism}")

            def measure(name, parallelism=parallelism, directory=directory, count=count):
                with Server(self.batchctl, logs, f"latency-p{parallelism}-{name}", ("--latency", str(latency))) as server:
                    return self.apply(server, count, parallelism, directory, logs, f"latency-p{parallelism}-{name}")

            try:
                results = self.repeat(measure)
            except Failure as failure:
                self.add(Row("6", measurement, workload, note=str(failure)))
                continue
            rates = [count / r.seconds for r in results]
            self.add(Row("6", measurement, workload, "tasks/s", rates,
                         derived=f"of parallelism / latency ({ideal:,.0f}/s): {spread([r / ideal for r in rates], 'x')}"))

    def python_peer(self, tasks, logs, reason, apply32):
        """The same creates from a hand-written Python loop (`peers/python_loop.py`: requests, 32 threads, no
        journal), and batchctl apply at --parallelism 32 as a multiple of it, run by run."""
        measurement = "Python requests loop, 32 threads, no journal or state"
        workload = f"{self.label(tasks)} creates into an empty in-memory store, the same BatchTaskInfo bodies"
        try:
            import requests  # noqa: F401
        except ImportError:
            reason = reason or "not measured: python3 has no requests module"
        if reason:
            self.add(Row("6", measurement, workload, note=reason))
            return
        render = os.path.join(self.work, "apply", f"render-{tasks}.json")
        os.makedirs(os.path.dirname(render), exist_ok=True)
        try:
            run([self.batchctl, "render", "-f", self.manifest(tasks), "--output", "json"], logs, "peer-render",
                timeout=self.args.timeout, stdout_path=render)

            def measure(name):
                with Server(self.batchctl, logs, f"peer-{name}") as server:
                    before = server.max_id()
                    result = run([sys.executable, os.path.join(HERE, "peers", "python_loop.py"), "--endpoint", server.url,
                                  "--render", render, "--threads", "32"], logs, f"peer-{name}", timeout=self.args.apply_timeout)
                    if server.max_id() - before != tasks:
                        raise Failure(f"failed: the loop made {server.max_id() - before} tasks, not {tasks}")
                    return result

            results = self.repeat(measure)
        except Failure as failure:
            self.add(Row("6", measurement, workload, note=str(failure)))
            return
        rates = [tasks / r.seconds for r in results]
        derived, goal = "", ""
        if apply32:
            ratios = [a / p for a, p in zip(apply32, rates)]
            derived = f"apply --parallelism 32 / this loop, run by run: {spread(ratios, 'x')}"
            goal = ">= 10x: " + ("met" if median(ratios) >= 10 else "missed")
        self.add(Row("6", measurement, workload, "tasks/s", rates, derived=derived, goal=goal))

    def cpu_budget(self, results, tasks):
        """What the CPU each side spent per task allows on this machine's cores."""
        client = median([r.cpu / tasks for r in results])
        server = median([r.server_cpu / tasks for r in results])
        cores = os.cpu_count() or 1
        bound = cores / (client + server)
        text = f"CPU per task: client {client * 1e6:,.0f} us, server {server * 1e6:,.0f} us, so {cores} cores allow at most {bound:,.0f} tasks/s"
        if self.post_ceiling:
            text += f" ({bound / self.post_ceiling:.2f} of the ceiling)"
        return text

    def apply_pinned(self, tasks, logs, reason):
        """wrk and apply each against a server on core 0, from core 1: the load generator never takes the
        server's CPU, which wrk's unpinned ceiling assumes and a 2-core machine cannot give apply otherwise."""
        measurement = "apply --parallelism 32, server on core 0, apply on core 1"
        workload = f"{self.label(tasks)} creates into an empty in-memory store; the ceiling is wrk pinned the same way"
        if reason or not shutil.which("taskset") or not shutil.which("wrk") or (os.cpu_count() or 1) < 2:
            self.add(Row("6", measurement, workload, note=reason or "not measured: needs taskset, wrk and 2 cores"))
            return
        server_core, client_core = ("taskset", "-c", "0"), ("taskset", "-c", "1")
        directory = os.path.join(self.work, "apply", "pinned")

        def measure(name):
            seconds = min(2, self.args.wrk_seconds) if name == "warmup" else self.args.wrk_seconds
            with Server(self.batchctl, logs, f"pinned-wrk-{name}", prefix=server_core) as server:
                ceiling, _ = self.wrk(server, "post.lua", seconds, logs, f"pinned-{name}.POST", prefix=client_core)
            with Server(self.batchctl, logs, f"pinned-apply-{name}", prefix=server_core) as server:
                result = self.apply(server, tasks, 32, directory, logs, f"pinned-{name}", prefix=client_core)
            return ceiling, tasks / result.seconds

        try:
            runs = self.repeat(measure)
        except Failure as failure:
            self.add(Row("6", measurement, workload, note=str(failure)))
            return
        ceilings = [ceiling for ceiling, _ in runs]
        rates = [rate for _, rate in runs]
        ratios = [rate / ceiling for ceiling, rate in runs]
        self.add(Row("6", measurement, workload, "tasks/s", rates,
                     derived=f"pinned wrk ceiling {spread(ceilings, 'req/s')}; ratio, run by run: {spread(ratios, 'x')}",
                     goal=">= 0.8 of the pinned ceiling: " + ("met" if median(ratios) >= 0.8 else "missed")))

    # -- 4. plan and 7. drift

    def plan_and_drift(self):
        logs = os.path.join(self.logs, "plan")
        big, small = self.args.plan_tasks, self.args.refresh_tasks
        plan_reason = self.absent("plan")

        # 4a: no refresh, against a state of `big` entries made by a real apply (or, without apply, generated).
        workload = f"{self.label(big)} desired, {self.label(big)}-entry state"
        measurement = "plan --refresh=false"
        if plan_reason:
            self.add(Row("4", measurement, workload, note=plan_reason))
        else:
            directory = os.path.join(self.work, "plan", f"norefresh-{big}")
            server = None
            try:
                if self.has_command("apply") and self.has_command("serve"):
                    server = Server(self.batchctl, logs, "norefresh")
                    self.say(f"making a {big}-entry state with apply")
                    self.apply(server, big, 32, directory, logs, "norefresh.apply")
                    endpoint, made = server.url, "state from apply"
                else:
                    os.makedirs(directory, exist_ok=True)
                    shutil.copy(self.manifest(big), os.path.join(directory, "manifest.yaml"))
                    endpoint, made = "http://127.0.0.1:9", "state generated by generate.py (no apply yet)"
                    render = run([self.batchctl, "render", "-f", "manifest.yaml", "--output", "json"], logs,
                                 "norefresh.render", timeout=self.args.timeout, cwd=directory)
                    subprocess.run([sys.executable, GENERATE, "state", "--render", render.stdout_path, "--endpoint",
                                    endpoint, os.path.join(directory, "batchctl.state.json")], check=True)

                def measure(name):
                    return run([self.batchctl, "plan", "--refresh=false", "-f", "manifest.yaml"], logs,
                               f"norefresh.{name}", timeout=self.args.timeout, cwd=directory,
                               env={"BATCHCTL_ENDPOINT": endpoint})

                results = self.repeat(measure)
                walls = [r.seconds for r in results]
                rss = [r.rss_mb for r in results if r.rss_mb is not None]
                derived = spread([big / s for s in walls], "tasks/s")
                goal = ""
                if rss:
                    derived += f"; peak RSS {spread(rss, 'MB')}"
                if big == 100_000:
                    goal = ("<= 1.5 s: " + ("met" if median(walls) <= 1.5 else "missed")
                            + (("; <= 400 MB: " + ("met" if median(rss) <= 400 else "missed")) if rss else ""))
                self.add(Row("4", measurement, workload, "s", walls, derived=derived, goal=goal,
                             note=f"{made}; plan said: {results[-1].last_line()}"))
            except Failure as failure:
                self.add(Row("4", measurement, workload, note=str(failure)))
            finally:
                if server:
                    server.stop()

        # 4b and 7: `small` user tasks applied to a live emulator, then plan with refresh and drift against it, once
        # for each `--refresh-read` way.
        workload = f"{self.label(small)} managed user tasks on serve (in-memory), default parallelism"
        drift_reason = self.absent("drift")
        setup_reason = self.absent("apply") or self.absent("serve")
        if plan_reason or setup_reason:
            self.add(Row("4", "plan (refresh)", workload, note=plan_reason or setup_reason))
        if drift_reason or setup_reason:
            self.add(Row("7", "drift", workload, note=drift_reason or setup_reason))
        if setup_reason or (plan_reason and drift_reason):
            return
        directory = os.path.join(self.work, "plan", f"refresh-{small}")
        try:
            server = Server(self.batchctl, logs, "refresh")
        except Failure as failure:
            for section, name, reason in (("4", "plan (refresh)", plan_reason), ("7", "drift", drift_reason)):
                if not reason:
                    self.add(Row(section, name, workload, note=str(failure)))
            return
        with server:
            try:
                self.apply(server, small, 32, directory, logs, "refresh.apply", user_tasks=True)
            except Failure as failure:
                for section, name, reason in (("4", "plan (refresh)", plan_reason), ("7", "drift", drift_reason)):
                    if not reason:
                        self.add(Row(section, name, workload, note=f"setup {failure}"))
                return
            env = {"BATCHCTL_ENDPOINT": server.url}
            for way, section, name, reason, command, codes in (
                    (way, *measurement) for way in self.refresh_reads() for measurement in (
                        ("4", "plan (refresh)", plan_reason, ["plan", "-f", "manifest.yaml"], (0,)),
                        ("7", "drift", drift_reason, ["drift", "-f", "manifest.yaml"], (0, 2)))):
                if reason:
                    continue
                if way:
                    command = [*command, "--refresh-read", way]
                    name = f"{name} --refresh-read {way}"

                def measure(label, command=command, codes=codes, name=name, way=way):
                    return run([self.batchctl, *command], logs, f"{name.split()[0]}.{way or 'default'}.{label}",
                               timeout=self.args.timeout, cwd=directory, env=env, ok_codes=codes)

                try:
                    results = self.repeat(measure)
                except Failure as failure:
                    self.add(Row(section, name, workload, note=str(failure)))
                    continue
                walls = [r.seconds for r in results]
                self.add(Row(section, name + ": wall", workload, "s", walls,
                             derived=spread([small / s for s in walls], "tasks/s"),
                             note=f"exit {results[-1].returncode}; said: {results[-1].last_line()}"))


# MARK: - Report

def machine():
    def command(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    memory = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line for line in f if line.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    return {"nproc": command("nproc"), "memory": memory, "cpu": cpu, "uptime": command("uptime")}


def report(bench, args, started, before):
    after = machine()["uptime"]
    lines = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC with `{args.command}` ({args.mode} mode: warm-up + {args.runs} "
        f"run{'s' if args.runs != 1 else ''} each), commit {args.commit}.",
        "",
        f"- machine: `nproc` {before['nproc']}, {before['memory']} memory, {before['cpu']}",
        f"- load (`uptime`) before: `{before['uptime']}`",
        f"- load (`uptime`) after: `{after}`",
        f"- tools: {args.versions}",
        "",
        markdown(bench.rows),
    ]
    return "\n".join(lines) + "\n"


def update_readme(path, text):
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    if start not in readme or end not in readme:
        print(f"warning: {path} has no {start} ... {end} section; not updated", file=sys.stderr)
        return
    head, rest = readme.split(start, 1)
    _, tail_text = rest.split(end, 1)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{head}{start}\n{text}{end}{tail_text}")
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["quick", "default", "full"], default="default")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--only", default="", help="comma-separated sections: 1,2,3,4,5,6,7")
    parser.add_argument("--refresh-reads", default="id list", help="the --refresh-read ways sections 4 and 7 time")
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--batchctl")
    parser.add_argument("--build-problem", default="")
    parser.add_argument("--bench")
    parser.add_argument("--yaml-events")
    parser.add_argument("--jenkins-jobs")
    parser.add_argument("--jjb-problem", default="")
    parser.add_argument("--pyyaml-python")
    parser.add_argument("--pyyaml-version", default="")
    parser.add_argument("--command", default="benchmarks/run.sh")
    parser.add_argument("--commit", default="?")
    parser.add_argument("--versions", default="")
    parser.add_argument("--readme")
    parser.add_argument("--results")
    args = parser.parse_args()

    quick, full = args.mode == "quick", args.mode == "full"
    args.runs = args.runs or (1 if quick else 3)
    args.expansion_sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    args.jjb_sizes = [1_000] if quick else [1_000, 10_000] + ([100_000] if full else [])
    args.yaml_megabytes = 10 if quick else 50
    args.wrk_seconds = 3 if quick else 10
    args.ceiling_stored = 10_000 if quick else 100_000
    args.apply_tasks = 2_000 if quick else 10_000
    args.latency_seconds = 2 if quick else 10
    args.plan_tasks = 10_000 if quick else 100_000
    args.refresh_tasks = 1_000 if quick else 10_000
    args.timeout = 600
    args.jjb_timeout = 3600
    args.apply_timeout = 900
    sections = set(args.only.split(",")) if args.only else set("1234567")

    started = datetime.datetime.now(datetime.timezone.utc)
    before = machine()
    bench = Bench(args)
    steps = [("1", bench.expansion), ("2", bench.jjb), ("3", bench.yaml_load), ("5", bench.ceiling),
             ("6", bench.apply_throughput), ("4", bench.plan_and_drift)]
    for section, step in steps:
        if section in sections or (section == "4" and "7" in sections):
            bench.say(f"section {section}")
            step()
    bench.rows.sort(key=lambda row: row.section)
    text = report(bench, args, started, before)
    print(text)
    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            f.write(text)
    if args.readme and not args.only:
        update_readme(args.readme, text)
    elif args.readme:
        print(f"--only given: {args.readme} left as it was (it holds whole runs only)", file=sys.stderr)


if __name__ == "__main__":
    main()
