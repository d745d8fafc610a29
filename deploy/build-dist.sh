#!/usr/bin/env bash
# Builds Ember and lays out a self-contained install in DEST: DEST/ember-runtime.jar, DEST/lib/ (its
# classpath, native kernels included) and DEST/bin/ember (the launcher). The container images run
# this script; the deploy tests run it with --no-build on the jar the test build already made, then
# start DEST/bin/ember and probe it, so CI exercises what the image runs.
#   deploy/build-dist.sh /opt/ember            # Maven build (tests left to ./run-tests), then lay out
#   deploy/build-dist.sh --no-build /tmp/ember # lay out runtime/target as it is
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
dest=${1:?usage: deploy/build-dist.sh [--no-build] DEST}
if [ "$build" = 1 ]; then
  JAVA_HOME=$("$here/scripts/java-home.sh")
  export JAVA_HOME
  # The reactor build ./run-tests runs (mvn -B -ntp verify), up to the runtime jar, without the tests.
  (cd "$here" && mvn -B -ntp -pl runtime -am -DskipTests -Dember.skipCppTests package)
fi
jar="$here/runtime/target/ember-runtime.jar"
[ -f "$jar" ] || { echo "build-dist: $jar is missing; build first (drop --no-build)" >&2; exit 1; }
mkdir -p "$dest/bin" "$dest/lib"
cp "$jar" "$dest/ember-runtime.jar"
cp "$here"/runtime/target/lib/*.jar "$dest/lib/"
cp "$here/deploy/bin/ember" "$dest/bin/ember"
chmod 755 "$dest/bin/ember"
echo "build-dist: Ember laid out in $dest"
