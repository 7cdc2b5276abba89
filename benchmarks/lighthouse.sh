#!/usr/bin/env bash
# Lighthouse scores of the driver app (/driver) and the customer's tracking page (/t/<token>), mobile
# emulation with simulated slow 4G, against the real server on a throwaway SQLite demo day. Targets:
# performance >= 90, accessibility >= 95, best practices >= 95. Three pages: the driver's login screen
# (first visit), today's route (logged in), and a customer's tracking link (no login, a planned order).
#   benchmarks/lighthouse.sh            (needs .venv, pwa/node_modules and /usr/bin/chromium: `make test` sets them up)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -f pwa/dist/.built ] || (cd pwa && npm run build)

WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

export INSTANCE_PATH=$WORK DATABASE_URL=sqlite:///$WORK/lastmile.db SECRET_KEY=lighthouse-secret REDIS_URL= \
  EMBEDDED_WORKER=0 LOG_LEVEL=WARNING HOST=127.0.0.1
export PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m flask --app backend:create_app db upgrade >/dev/null 2>&1
$PY -m flask --app backend:create_app demo load --orders 40 --drivers 2 --publish --time-limit 2 >/dev/null
$PY wsgi.py >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.2; done

COOKIE=$($PY - "$URL" <<'PY'
import sys, requests
session = requests.Session()
session.post(f"{sys.argv[1]}/api/v1/auth/login", json={"login": "+15145552200", "password": "1234"}, timeout=10).raise_for_status()
print("; ".join(f"{c.name}={c.value}" for c in session.cookies))
PY
)

# A customer's link: the first order of the demo day (dispatched, with a window and an ETA).
TRACK_PATH=$($PY - "$URL" <<'PY'
import sys, requests
session = requests.Session()
login = session.post(f"{sys.argv[1]}/api/v1/auth/login", json={"login": "dispatch@demo.lastmile.test",
                                                               "password": "lastmile-demo"}, timeout=10)
login.raise_for_status()
orders = session.get(f"{sys.argv[1]}/api/v1/orders", params={"per_page": 1}, timeout=10).json()["items"]
print(f"/t/{orders[0]['tracking_token']}")
PY
)

status=0
echo "== /driver, first visit (login screen)"
(cd pwa && node scripts/lighthouse.mjs "$URL/driver") || status=1
echo "== /driver, logged in (today's route)"
(cd pwa && node scripts/lighthouse.mjs "$URL/driver" --cookie "$COOKIE") || status=1
echo "== /t/<token>, the customer's tracking page (no login)"
(cd pwa && node scripts/lighthouse.mjs "$URL$TRACK_PATH") || status=1
exit $status
