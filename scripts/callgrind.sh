#!/usr/bin/env bash
# Instructions per call under callgrind: the hand-written reqwest call (A) against the generated
# `get_batch_status(..).send()` (C), sequential, 1 KB body, on one current-thread runtime.
#
#   scripts/callgrind.sh            # CALLS=2000 by default
#   CALLS=5000 scripts/callgrind.sh
#   PROFILE=1 scripts/callgrind.sh  # also keeps target/callgrind/{A,C}.out for callgrind_annotate
#   LARGE=1 CALLS=20 scripts/callgrind.sh  # the 1 MB body instead
#
# The responder runs natively in its own process (`call_overhead --serve`), so callgrind counts
# only the client. Each variant runs twice, with N and 2N calls; (Ir(2N) - Ir(N)) / N removes
# start-up, connection set-up and exit from the figure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "installing valgrind" >&2
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq valgrind
    else sudo apt-get update -qq && sudo apt-get install -y -qq valgrind; fi
fi

calls=${CALLS:-2000}
cargo build --release --locked --example call_overhead >&2
bin=target/release/examples/call_overhead
out=target/callgrind
mkdir -p "$out"

"$bin" --serve >"$out/addr" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/addr" ] && break; sleep 0.05; done
addr=$(head -n1 "$out/addr")

# Instructions of one run of `calls` calls of variant $1 ($3 names the output file).
ir() {
    local file=/dev/null
    [ -n "${PROFILE:-}" ] && [ -n "${3:-}" ] && file="$out/$3"
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$bin" --only "$1" --addr "$addr" --calls "$2" ${LARGE:+--large} 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

declare -A per
for variant in A C; do
    one=$(ir "$variant" "$calls")
    two=$(ir "$variant" $((2 * calls)) "$variant.out")
    per[$variant]=$(( (two - one) / calls ))
    echo "$variant: ${per[$variant]} instructions per call ($calls vs $((2 * calls)) calls: $one, $two)"
done
awk -v a="${per[A]}" -v c="${per[C]}" 'BEGIN { printf "C/A instructions: %.3fx\n", c / a }'
