#!/usr/bin/env bash
# Fault drill: gunicorn serves the portal, the embedded PostgreSQL is stopped under it, then
# started again. Expected: a styled 503 within a second while it is down, 200 again after,
# without restarting gunicorn. Run after `make run` has prepared the database (or `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8099}
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$(cat var/secret_key)}"
export DJANGO_SECURE_COOKIES=0
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/gunicorn portal.wsgi --bind "127.0.0.1:$PORT" --workers 2 --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; .venv/bin/python -m portal.embedded_db start >/dev/null' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done

probe() {  # status and seconds of one request
  curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT$1"
}
echo "database up:        /initiatives/ → $(probe /initiatives/)"
.venv/bin/python -m portal.embedded_db stop >/dev/null
for attempt in 1 2 3; do
  echo "database stopped:   /initiatives/ → $(probe /initiatives/)   /healthz → $(probe /healthz)"
done
.venv/bin/python -m portal.embedded_db start >/dev/null
for attempt in 1 2 3; do
  echo "database restarted: /initiatives/ → $(probe /initiatives/)"
done
