#!/usr/bin/env bash
# Builds deploy/Dockerfile and waits until the container's HEALTHCHECK (/health/live) reports healthy.
# Needs a Docker engine and the base images' registry; the test suite checks everything else offline
# (the install this image makes is started and probed by deploy-tests' DistributionTest).
#   deploy/check-image.sh [tag]
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-ember:check}
name=ember-check-$$
docker build -f deploy/Dockerfile -t "$tag" .
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$name" "$tag" >/dev/null
for _ in $(seq 1 120); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
  if [ "$status" = healthy ]; then
    echo "check-image: $tag is healthy"
    exit 0
  fi
  sleep 1
done
echo "check-image: $tag never became healthy (last status: $status)" >&2
docker logs "$name" >&2 || true
exit 1
