#!/usr/bin/env bash
# Incremental rebuild of the `fireworks-ai` library after a one-line spec edit (a description
# in spec/users.yaml: build.rs reruns, api.rs is regenerated, the crate recompiles) against a
# one-line `src/` edit (a doc line in src/name.rs: the crate recompiles), alternated ROUNDS
# times on one warm target directory. Prints each time and the median ratio spec ÷ src.
#
#   scripts/rebuild.sh             # ROUNDS=5, debug profile
#   ROUNDS=3 scripts/rebuild.sh
#
# The two files are restored from git at the end (and on interrupt).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
spec=spec/users.yaml
src=src/name.rs
trap 'git checkout -q -- "$spec" "$src"' EXIT

build() { cargo build -q -p fireworks-ai --lib; }
now() { date +%s.%N; }

build
spec_times=()
src_times=()
for round in $(seq 1 "$rounds"); do
    # One line each, different every round so every build has something to do.
    sed -i "16s/(\`\/v1\/accounts\/...\`)\..*/(\`\/v1\/accounts\/...\`). Edit $round./" "$spec"
    start=$(now); build; end=$(now)
    spec_times+=("$(echo "$end - $start" | bc)")
    sed -i "1s/^\/\/! Resource names.*/\/\/! Resource names (\`accounts\/{account_id}\/datasets\/{dataset_id}\`) as typed values, edit $round: the/" "$src"
    start=$(now); build; end=$(now)
    src_times+=("$(echo "$end - $start" | bc)")
    echo "round $round: spec edit ${spec_times[-1]} s, src edit ${src_times[-1]} s"
done

python3 - "${spec_times[*]}" "${src_times[*]}" <<'PY'
import statistics, sys
spec = [float(x) for x in sys.argv[1].split()]
src = [float(x) for x in sys.argv[2].split()]
ratios = sorted(a / b for a, b in zip(spec, src))
print(f"median spec edit {statistics.median(spec):.2f} s, src edit {statistics.median(src):.2f} s")
print(f"spec ÷ src: median {statistics.median(ratios):.2f}x [{ratios[0]:.2f}–{ratios[-1]:.2f}] over {len(ratios)} rounds")
PY
