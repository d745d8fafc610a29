#!/usr/bin/env bash
# Prints a JDK home of version >= 21: $JAVA_HOME when it qualifies, else the newest JDK >= 21
# under /usr/lib/jvm (Debian/Ubuntu packages and Temurin install there), else `java` on PATH.
# Exits 1 with a message when none is found.
set -euo pipefail

major() { # prints the feature version of the JDK at $1, or 0
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)
  echo "${v:-0}" | cut -d. -f1
}

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(major "$JAVA_HOME")" -ge 21 ]; then
  echo "$JAVA_HOME"; exit 0
fi
best=""; best_v=0
for d in /usr/lib/jvm/*/; do
  d=${d%/}
  [ -x "$d/bin/javac" ] || continue
  v=$(major "$d")
  if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
done
if [ -z "$best" ] && command -v javac >/dev/null; then
  d=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  [ "$(major "$d")" -ge 21 ] && best=$d
fi
if [ -z "$best" ]; then
  echo "ember: no JDK >= 21 found (set JAVA_HOME, or: apt-get install openjdk-21-jdk-headless)" >&2
  exit 1
fi
echo "$best"
