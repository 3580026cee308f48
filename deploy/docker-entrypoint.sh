#!/bin/sh
# The container's entry points: `web` (migrate, then uvicorn), `worker`, or any publisher command.
set -eu
case "${1:-web}" in
  web)
    publisher db upgrade
    exec uvicorn --factory publisher.web:create_app --host 0.0.0.0 --port 8000 \
      --workers "${WEB_WORKERS:-4}" --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
    ;;
  worker)
    exec publisher worker --concurrency "${WORKER_CONCURRENCY:-4}"
    ;;
  *)
    exec publisher "$@"
    ;;
esac
