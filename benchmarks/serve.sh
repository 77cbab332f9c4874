# Sourced by run.sh and compare.sh (not run by itself).
#
# start_serve BINARY LOGS: starts `BINARY serve` in memory, without authentication, on a free loopback port, with its
# output in LOGS.out and LOGS.err; sets server_pid and url, and exits the script when the server does not start.
start_serve() {
    local binary=$1 logs=$2
    "$binary" serve --listen 127.0.0.1:0 --db :memory: --no-auth >"$logs.out" 2>"$logs.err" &
    server_pid=$!
    url=""
    for _ in $(seq 600); do
        url=$(grep -o -m 1 'listening on http://[^ ]*' "$logs.out" 2>/dev/null | cut -d' ' -f3 | sed 's:/$::') || true
        [[ -n $url ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ $url == http://127.0.0.1:* ]] || { echo "serve did not start on loopback: see $logs.err" >&2; exit 1; }
}
