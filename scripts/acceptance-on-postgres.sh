#!/usr/bin/env bash
# Runs the project's acceptance checks (../shared/acceptance by default) with every hub on PostgreSQL.
#
#   scripts/acceptance-on-postgres.sh [CHECKS-DIR] [NAME...]
#
# The checks drive `baogong-hub ... --db PATH`. Here `baogong-hub` is a thin wrapper that gives each
# hub file path a PostgreSQL database of its own on a throwaway cluster (initdb into a temporary
# directory, a free loopback port, stopped at the end) and runs the real executable with
# `--database URL` instead; `demo` and `copy` keep their SQLite files. Everything else the checks
# do is unchanged: the same agents, the same commands, the same figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
checks=${1:-$root/../shared/acceptance}; shift || true
checks=$(cd "$checks" && pwd)

cd "$root"
swift build >/dev/null
bin=$(swift build --show-bin-path)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server binaries (Debian: apt-get install postgresql)"; exit 1; }

work=$(mktemp -d /tmp/baogong-acceptance-pg.XXXXXX)
chmod 755 "$work"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir "$work/pg"; [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
as_postgres "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" >/dev/null
trap 'as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1; rm -rf "$work"' EXIT

# The wrapper: --db PATH becomes --database URL, one database per path.
mkdir "$work/bin"
cat >"$work/bin/baogong-hub" <<WRAPPER
#!/usr/bin/env bash
case "\${1:-}" in demo|copy|openapi) exec "$bin/baogong-hub" "\$@" ;; esac
args=()
while [ \$# -gt 0 ]; do
  if [ "\$1" = --db ] && [ \$# -gt 1 ]; then
    name=h_\$(printf '%s' "\$(realpath -m "\$2")" | md5sum | cut -c1-20)
    "$pgbin/psql" -qtA -h 127.0.0.1 -p $port -U postgres -d postgres \\
      -c "SELECT 1 FROM pg_database WHERE datname = '\$name'" | grep -q 1 \\
      || "$pgbin/createdb" -h 127.0.0.1 -p $port -U postgres "\$name" 2>/dev/null || true
    args+=(--database "postgres://postgres@127.0.0.1:$port/\$name"); shift 2
  else
    args+=("\$1"); shift
  fi
done
exec "$bin/baogong-hub" "\${args[@]}"
WRAPPER
chmod +x "$work/bin/baogong-hub"
ln -s "$bin/baogong-agent" "$work/bin/baogong-agent"

# The checks, with their helper pointing at the wrapper.
cp -r "$checks" "$work/checks"
sed -i "s#^  BIN=\$(swift build --show-bin-path 2>/dev/null)#  BIN=$work/bin#" "$work/checks/lib/common.sh"
grep -q "BIN=$work/bin" "$work/checks/lib/common.sh" || { echo "could not point the checks at the wrapper"; exit 1; }
status=0
bash "$work/checks/run" "$@" || status=$?
count=$("$pgbin/psql" -qtA -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'h\_%'")
echo "hubs on PostgreSQL: $count database(s) served the checks' hubs"
exit $status
