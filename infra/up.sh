#!/usr/bin/env bash
# Starts the project's Kafka and Redis (fetching Kafka first if needed); idempotent.
set -euo pipefail
cd "$(dirname "$0")"
bash ./redis.sh start
bash ./kafka.sh start
