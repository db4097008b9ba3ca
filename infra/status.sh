#!/usr/bin/env bash
cd "$(dirname "$0")"
bash ./kafka.sh status; bash ./redis.sh status
