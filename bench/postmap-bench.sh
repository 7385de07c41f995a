#!/bin/sh
# Builds one 1,000,000-line table with Postern's postmap and with the real
# Postfix /usr/sbin/postmap, on the same source file in the same run, and
# prints both times and the ratio (target: Postern at least 2x faster).
#
#   bench/postmap-bench.sh [lines]
set -eu
LINES=${1:-1000000}
REAL=${REAL_POSTMAP:-/usr/sbin/postmap}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

[ -x "$REAL" ] || { echo "postmap-bench: $REAL not found" >&2; exit 1; }
(cd "$ROOT" && go build -o "$WORK/postmap" ./cmd/postmap)
mkdir "$WORK/cfg"
echo "compatibility_level = 3.6" > "$WORK/cfg/main.cf"

# A virtual(5)-like table: mixed-case keys and comments.
awk -v n="$LINES" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0) print "# block " i
		printf "User%d@Example%d.com\tmailbox%d@backend.example.net\n", i, i % 97, i
	}
}' > "$WORK/virtual"

now() { date +%s.%N; }
run() { # command... ; prints the elapsed seconds
	t0=$(now); "$@" 2>/dev/null; t1=$(now)
	echo "$t0 $t1" | awk '{ print $2 - $1 }'
}

real_s=$(run "$REAL" -c "$WORK/cfg" "hash:$WORK/virtual")
ours_s=$(run "$WORK/postmap" -c "$WORK/cfg" "hash:$WORK/virtual")
# The table Postern built must answer (duplicates: first wins).
[ "$("$WORK/postmap" -c "$WORK/cfg" -q USER5@example5.com "hash:$WORK/virtual")" = \
	"mailbox5@backend.example.net" ] || { echo "postmap-bench: lookup failed" >&2; exit 1; }
echo "postmap build of a $LINES-line table (hash:)"
echo "$real_s $ours_s" | awk '{
	printf "postfix  %8.3f s\n", $1
	printf "postern  %8.3f s\n", $2
	printf "ratio    %8.2fx (postfix time / postern time)\n", $1 / $2 }'
