#!/bin/sh
# Runs every fuzz target for SECONDS (default 600) seconds, one at a time; logs in fuzz/logs/.
set -u
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
for t in ${TARGETS:-facts rules overlay migrate}; do
    extra=""
    [ "$t" = migrate ] && extra="-len_control=0 -max_len=512"
    cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" -print_final_stats=1 $extra \
        > "logs/$t.log" 2>&1
    echo "$t: exit $?" >> logs/summary.txt
done
