#!/usr/bin/env bash
# Pretraining experiment (not a unit test): does a policy pretrained on several generated
# netlists place an unseen generated netlist better than an untrained policy (zero-shot), and
# does fine-tuning on that netlist improve it further?
#
#   1. the unseen target: `chipfloor generate` with seed TARGET_SEED;
#   2. untrained: a fresh policy's greedy placement of the target (the iteration-0 evaluation
#      of a one-iteration run);
#   3. pretraining: `chipfloor train --generated N_NETLISTS --gen-seed GEN_SEED` (seeds
#      GEN_SEED .. GEN_SEED+N-1, none equal to the target's) for PRETRAIN_CPU_SECONDS of
#      process CPU time;
#   4. zero-shot and fine-tuning: `chipfloor train TARGET --init-from PRETRAINED` for
#      FINETUNE_CPU_SECONDS of CPU time; its iteration-0 evaluation is the zero-shot greedy
#      placement, its last evaluation the fine-tuned one;
#   5. `chipfloor place --method rl --checkpoint PRETRAINED` (zero-shot through the place
#      command, force-directed soft macros) as a cross-check; a table at the end.
#
# Usage: scripts/pretrain_experiment.sh [OUT_DIR]
# Settings (environment variables, defaults in brackets):
#   PRETRAIN_CPU_SECONDS [1200]  FINETUNE_CPU_SECONDS [300]  N_NETLISTS [8]  GEN_SEED [100]
#   TARGET_SEED [1]  SEED [1] (training)  GRID [32]  EPISODES [16]  LR [1e-3]  THREADS [1]
#   ENTROPY [0.02] (entropy bonus)  PRETRAIN_ITERATIONS [1000] (pretraining ends there or at
#   its CPU budget; also the cosine learning-rate decay length)  FINETUNE_LR [3e-4] (constant)
#   netlists: HARD_MACROS [24]  SOFT_MACROS [8]  PORTS [48]  NETS [300]
#   CHIPFLOOR [target/release/chipfloor]
set -euo pipefail

cd "$(dirname "$0")/.."
PRETRAIN_CPU_SECONDS=${PRETRAIN_CPU_SECONDS:-1200}
FINETUNE_CPU_SECONDS=${FINETUNE_CPU_SECONDS:-300}
N_NETLISTS=${N_NETLISTS:-8}
GEN_SEED=${GEN_SEED:-100}
TARGET_SEED=${TARGET_SEED:-1}
SEED=${SEED:-1}
GRID=${GRID:-32}
EPISODES=${EPISODES:-16}
LR=${LR:-1e-3}
ENTROPY=${ENTROPY:-0.02}
PRETRAIN_ITERATIONS=${PRETRAIN_ITERATIONS:-1000}
FINETUNE_LR=${FINETUNE_LR:-3e-4}
THREADS=${THREADS:-1}
HARD_MACROS=${HARD_MACROS:-24}
SOFT_MACROS=${SOFT_MACROS:-8}
PORTS=${PORTS:-48}
NETS=${NETS:-300}
OUT=${1:-runs/pretrain-experiment}
BIN=${CHIPFLOOR:-target/release/chipfloor}

if (( TARGET_SEED >= GEN_SEED && TARGET_SEED < GEN_SEED + N_NETLISTS )); then
  echo "error: TARGET_SEED $TARGET_SEED is one of the pretraining seeds" >&2
  exit 2
fi
if [[ ! -x "$BIN" ]]; then
  echo "building $BIN" >&2
  cargo build --release -p chipfloor >&2
fi
if [[ -e "$OUT/pretrain" ]]; then
  echo "error: $OUT/pretrain exists; remove it or pass another output folder" >&2
  exit 2
fi
mkdir -p "$OUT"
GEN=(--hard-macros "$HARD_MACROS" --soft-macros "$SOFT_MACROS" --ports "$PORTS" --nets "$NETS")
COMMON=(--device cpu --threads "$THREADS" --seed "$SEED" --grid "$GRID"
  --episodes-per-iter "$EPISODES" --entropy-coef "$ENTROPY" --no-progress)

echo "== unseen target netlist (seed $TARGET_SEED)" >&2
"$BIN" generate --out "$OUT/target" --count 1 --seed "$TARGET_SEED" "${GEN[@]}" >&2
NL="$OUT/target/gen_0.pb.txt"
PLC="$OUT/target/gen_0.plc"

echo "== untrained policy on the target" >&2
"$BIN" train "$NL" --plc "$PLC" "${COMMON[@]}" --iterations 1 --eval-every 1 \
  --run-dir "$OUT/untrained" > "$OUT/untrained.txt"

echo "== pretraining on $N_NETLISTS netlists (seeds $GEN_SEED..) for $PRETRAIN_CPU_SECONDS CPU-s" >&2
"$BIN" train --generated "$N_NETLISTS" --gen-seed "$GEN_SEED" "${GEN[@]}" "${COMMON[@]}" \
  --lr "$LR" --iterations "$PRETRAIN_ITERATIONS" --eval-every 25 --cpu-time-limit "$PRETRAIN_CPU_SECONDS" \
  --run-dir "$OUT/pretrain" \
  > "$OUT/pretrain.txt"
cat "$OUT/pretrain.txt" >&2
"$BIN" plot-metrics "$OUT/pretrain" --out "$OUT/pretrain_curve.png" \
  --title "pretraining on $N_NETLISTS generated netlists, $PRETRAIN_CPU_SECONDS CPU-s" >&2

echo "== zero-shot (place --method rl)" >&2
"$BIN" place "$NL" --plc "$PLC" --method rl --checkpoint "$OUT/pretrain" --seed "$SEED" \
  --out "$OUT/zeroshot-place" >&2

echo "== fine-tuning on the target for $FINETUNE_CPU_SECONDS CPU-s" >&2
"$BIN" train "$NL" --plc "$PLC" --init-from "$OUT/pretrain" --device cpu --threads "$THREADS" \
  --seed "$SEED" --episodes-per-iter "$EPISODES" --lr "$FINETUNE_LR" --entropy-coef "$ENTROPY" \
  --iterations 1000000 --no-progress \
  --eval-every 5 --cpu-time-limit "$FINETUNE_CPU_SECONDS" --run-dir "$OUT/finetune" \
  > "$OUT/finetune.txt"
"$BIN" plot-metrics "$OUT/finetune" --out "$OUT/finetune_curve.png" \
  --title "fine-tuning the pretrained policy on the unseen netlist, $FINETUNE_CPU_SECONDS CPU-s" >&2

python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
keys = ["wirelength_cost", "density_cost", "congestion_cost", "proxy[wl=1,den=0.5,cong=0.5]"]
def evals(run):
    lines = [json.loads(l) for l in open(f"{out}/{run}/metrics.jsonl")]
    return lines, [e for l in lines for e in l.get("eval", [])]
_, ue = evals("untrained")
untrained = min(ue, key=lambda e: e["policy_iteration"])
fl, fe = evals("finetune")
zero = min(fe, key=lambda e: e["policy_iteration"])
tuned = max(fe, key=lambda e: e["policy_iteration"])
best = json.load(open(f"{out}/finetune/best/eval.json"))
pl, _ = evals("pretrain")
z = json.load(open(f"{out}/zeroshot-place/report.json"))
zp = {k: z[k] for k in keys[:3]}
zp.update(z["proxy"])
rows = [("untrained policy (greedy)", untrained["costs"]),
        ("pretrained, zero-shot (train --init-from, iteration 0)", zero["costs"]),
        ("pretrained, zero-shot (place --method rl)", zp),
        (f"pretrained + fine-tuned ({tuned['policy_iteration']} iterations)", tuned["costs"]),
        (f"pretrained + fine-tuned, best evaluation (iteration {best['iteration']}, finetune/best)",
         best["eval"][0]["costs"])]
pt = pl[-1]["timing"]["wall_s"]
print(f"target {out}/target/gen_0.pb.txt; pretraining: {len(pl)} iterations, "
      f"{pl[-1]['total_env_steps']} env steps in {pt:.0f} s wall; fine-tuning: {len(fl)} iterations, "
      f"{fl[-1]['timing']['wall_s']:.0f} s wall")
w = max(len(r[0]) for r in rows)
print(f"{'':{w}}  " + "  ".join(f"{k:>28}" for k in keys))
for name, c in rows:
    cells = [f"{c[k]:>28.6f}" if c else f"{'infeasible':>28}" for k in keys]
    print(f"{name:{w}}  " + "  ".join(cells))
k = keys[3]
if untrained["costs"] and zero["costs"] and tuned["costs"]:
    u = untrained["costs"][k]
    print(f"{k}: untrained {u:.6f}, zero-shot {zero['costs'][k]:.6f} "
          f"({100 * (zero['costs'][k] - u) / u:+.1f} %), fine-tuned {tuned['costs'][k]:.6f} "
          f"({100 * (tuned['costs'][k] - u) / u:+.1f} %), best fine-tuned "
          f"{best['eval'][0]['costs'][k]:.6f} ({100 * (best['eval'][0]['costs'][k] - u) / u:+.1f} %)")
EOF
