#!/usr/bin/env bash
# Issue 12's benchmark: 10 000 (or $WAITERS) concurrent waiters on one client, the emulator in
# its own process, under an open-file limit of 1 024 and of 20 000 (when the hard limit allows).
# Figures go to BENCHMARKS.md; this is never run as a test.
set -euo pipefail
cd "$(dirname "$0")/.."
WAITERS=${WAITERS:-10000}
cargo build --release --locked --example many_waiters -p fireworks-ai
cargo build --release --locked -p fireworks-ai-emulator --bin fireworks-ai-emulator
for limit in 1024 20000; do
    if [ "$limit" -gt "$(ulimit -Hn)" ] && [ "$(ulimit -Hn)" != unlimited ]; then
        echo "== skipping ulimit -n $limit (hard limit $(ulimit -Hn))"
        continue
    fi
    echo "== ulimit -n $limit, $WAITERS waiters"
    (ulimit -n "$limit" && target/release/examples/many_waiters --waiters "$WAITERS" \
        --emulator target/release/fireworks-ai-emulator "$@")
done
