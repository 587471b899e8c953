#!/bin/sh
# Runs `imfl bench embed` (encoder only) and the sentence-transformers reference alternately on
# the same sentences, so both see the same machine load. Usage:
#   Benchmarks/side_by_side.sh [rounds] [runs-per-round]
# Needs a release build (swift build -c release) and a Python with sentence-transformers
# (PYTHON, default: the imfl venv's python).
set -eu
rounds=${1:-2}
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
imfl="$here/.build/release/imfl"
python=${PYTHON:-${IMFL_HOME:-$HOME/.local/share/imfl}/venv/bin/python}
sentences=$(mktemp --suffix=.jsonl)
shared=${IMFL_SHARED:-$here/../shared}
pool="$shared/data/fpb_50agree/pool.jsonl"
if [ -f "$pool" ]; then cp "$pool" "$sentences"; else "$imfl" bench embed --encoder-only --runs 1 --save-sentences "$sentences" >/dev/null; fi
i=1
while [ "$i" -le "$rounds" ]; do
    echo "round $i ($(uptime | sed 's/.*load/load/'))"
    "$imfl" bench embed --encoder-only --sentences "$sentences" --runs "$runs" --compare-threads
    "$python" "$here/Benchmarks/reference_embed.py" --sentences "$sentences" --runs "$runs" 2>/dev/null | grep -v '^sentences:'
    i=$((i + 1))
done
rm -f "$sentences"
