#!/usr/bin/env bash
# Stops the project's Kafka and Redis; their data stays in infra/.data.
set -uo pipefail
cd "$(dirname "$0")"
bash ./kafka.sh stop
bash ./redis.sh stop
