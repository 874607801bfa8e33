#!/usr/bin/env bash
# The CUDA checks of issue 15, as one command for a GPU machine (well inside 10 minutes):
#   every kata's solution with --device cuda, the cuda-marked tests alone (-rA: each one
#   named), the stubs and mistakes gates on CUDA for the katas that have cuda-marked tests,
#   and a warm check as `kata watch` runs it: a child forked from a process that imported
#   torch (CUDA not initialised there) initialises CUDA itself, twice in a row.
# Logs go to $OUT (the device tool's folder) or ./gpu-logs. Needs torch with CUDA, pytest,
# pytest-timeout and pytest-xdist; runs from the checkout without installing it (src/ is on
# pytest's pythonpath). Packages a kata needs that are missing show up as its failures.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-gpu-logs}
mkdir -p "$out"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
workers=${KATA_WORKERS:-4}

step() {  # step NAME COMMAND...: run, log, time, keep going
    local name=$1; shift
    local start=$SECONDS
    "$@" >"$out/$name.log" 2>&1
    local code=$?
    echo "$name: exit $code, $((SECONDS - start)) s, $(tail -n 1 "$out/$name.log")" | tee -a "$out/summary.txt"
}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"
} >"$out/gpu.txt" 2>&1
cat "$out/gpu.txt"

cuda_katas=$(grep -l "pytest.mark.cuda" katas/*/test_*.py | xargs -n 1 dirname | sort -u)

step solutions python -m pytest katas --solutions --device cuda -q -n "$workers" -p no:cacheprovider
step cuda-marked python -m pytest katas --solutions --device cuda -m cuda -rA -p no:cacheprovider
step stubs python -m pytest $cuda_katas --gate stubs --device cuda -q -n "$workers" -p no:cacheprovider
step mistakes python -m pytest $cuda_katas --gate mistakes --device cuda -q -n "$workers" -p no:cacheprovider
step warm python - <<'PY'
import time
from pathlib import Path

import torch

from torchkatas import index
from torchkatas.warm import WarmRunner

root = Path.cwd()
kata = index.find("08", index.load(root))
runner = WarmRunner(root, [kata])
assert not torch.cuda.is_initialized(), "the warm parent must leave CUDA to the children"
for attempt in range(2):
    start = time.perf_counter()
    result = runner.run([kata], device="cuda", solutions=True, log_name="gpu-warm").for_kata(kata)
    print(f"warm check {attempt}: {result.status}, {result.passed} passed, "
          f"{result.failed} failed, {result.skipped} skipped, {time.perf_counter() - start:.2f} s")
PY
cat "$out/summary.txt"
