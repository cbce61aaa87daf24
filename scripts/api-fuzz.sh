#!/usr/bin/env bash
# API schema fuzzing: schemathesis (from PyPI) against a throwaway hub, with every check, once with a
# store token and once with an operator token. Any failure fails the script (docs/reliability.md).
#
#   scripts/api-fuzz.sh [path/to/baogong-hub]      (default: .build/debug/baogong-hub; builds nothing)
#
# The hub gets a fresh database in a temporary folder, filled by the county demo so that the views,
# the matching desk, passes and deliveries answer with real data, and listens on a free loopback
# port. Bounded: at most API_FUZZ_EXAMPLES test cases per operation and phase (default 25), and
# API_FUZZ_SECONDS per run (default 90: both runs within 4 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

hub=${1:-.build/debug/baogong-hub}
examples=${API_FUZZ_EXAMPLES:-25}
seconds=${API_FUZZ_SECONDS:-90}
seed=${API_FUZZ_SEED:-2020}
version=4.32.5
venv=${API_FUZZ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/baogong/schemathesis-$version}

[ -x "$hub" ] || { echo "api-fuzz: no hub executable at $hub (run swift build first)" >&2; exit 2; }
hub=$(cd "$(dirname "$hub")" && pwd)/$(basename "$hub")

# schemathesis in its own virtual environment (Debian's Python is externally managed, PEP 668).
if [ ! -x "$venv/bin/st" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/baogong-api-fuzz.XXXXXX")
hub_pid=
cleanup() {
    if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$hub" demo --exit --dir "$work/demo" >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; exit 1; }
db=$work/demo/hub.sqlite
token() { python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'; }
store_token=$("$hub" stores add --db "$db" --id FZ01 --name "Fuzz store" --json | token)
operator_token=$("$hub" operators add --db "$db" --name "API fuzz" --role admin --json | token)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$hub" serve --db "$db" --host 127.0.0.1 --port "$port" --log-level error >"$work/hub.log" 2>&1 &
hub_pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do
    curl -fsS "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$hub_pid" 2>/dev/null || { cat "$work/hub.log" >&2; exit 1; }
    sleep 0.1
done

failed=0
run() {
    local name=$1 bearer=$2 started=$SECONDS
    echo "== schemathesis, $name token: $url/openapi.json"
    # From the scratch folder: schemathesis keeps its own state in the working directory.
    if (cd "$work" && "$venv/bin/st" run "$url/openapi.json" --url "$url" \
        --header "Authorization: Bearer $bearer" \
        --checks all --max-examples "$examples" --max-time "$seconds" --seed "$seed" \
        --generation-database none --workers 1 --no-color \
        --report junit --report-dir "$work/report-$name"); then
        echo "== $name token: no failure ($((SECONDS - started)) s)"
    else
        echo "== $name token: FAILED ($((SECONDS - started)) s)"
        failed=1
    fi
}
run store "$store_token"
run operator "$operator_token"
if ! kill -0 "$hub_pid" 2>/dev/null; then
    echo "api-fuzz: the hub stopped during the run" >&2
    cat "$work/hub.log" >&2
    failed=1
fi
exit $failed
