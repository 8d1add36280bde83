#!/usr/bin/env bash
# Learning experiment (not a unit test): does PPO improve the greedy-policy placement of a
# generated netlist?
#
#   1. generate one netlist (HARD_MACROS hard macros, 16x16 grid) with `chipfloor generate`;
#   2. baseline: `chipfloor place --method greedy` (placer's greedy, then FD soft macros);
#   3. train on CPU for CPU_SECONDS of process CPU time (default 1200 = 20 CPU-minutes,
#      `chipfloor train --cpu-time-limit`: a budget other jobs on the machine cannot shrink)
#      or ITERATIONS iterations, whichever comes first (CPU_SECONDS= with TRAIN_SECONDS set
#      uses wall time instead); the greedy policy is evaluated before training (iteration
#      0), every EVAL_EVERY iterations and after the last; the best evaluated policy is kept
#      in OUT/run/best and placed again with `place --method rl` as a cross-check;
#   3b. a simulated-annealing reference (`place --method sa`, SA_SECONDS [60]) shows how low
#      the proxy of this netlist can go;
#   4. print a table (untrained policy, trained policy, greedy baseline; the three cost
#      components and the proxy at both standard weights) and render the learning curve
#      (`chipfloor plot-metrics`).
#
# Usage: scripts/learning_experiment.sh [OUT_DIR]
# Settings (environment variables, defaults in brackets):
#   CPU_SECONDS [1200]  TRAIN_SECONDS [1200, used when CPU_SECONDS is empty]  SA_SECONDS [60]
#   GRID [32] (model action grid)
#   netlist: HARD_MACROS [24]  SOFT_MACROS [8]  PORTS [48]  NETS [300]  SEED [1]
#   EPISODES [16] (per iteration)  MINIBATCH [128]  EPOCHS [4]  LR [1e-3]  SOFT [fd|keep: fd]
#   ENTROPY [0.02] (entropy bonus)  ITERATIONS [600] (also the length of the cosine
#   learning-rate decay to 0.1 x LR)  EXTRA [] (more `chipfloor train` flags, e.g. --no-wire-map)
#   EVAL_EVERY [5]  THREADS [1] (libtorch CPU threads)  CHIPFLOOR [target/release/chipfloor]
# The smoke version: CPU_SECONDS=60 scripts/learning_experiment.sh runs/learning-smoke
set -euo pipefail

cd "$(dirname "$0")/.."
TRAIN_SECONDS=${TRAIN_SECONDS:-1200}
HARD_MACROS=${HARD_MACROS:-24}
SOFT_MACROS=${SOFT_MACROS:-8}
PORTS=${PORTS:-48}
NETS=${NETS:-300}
CPU_SECONDS=${CPU_SECONDS-1200}
SA_SECONDS=${SA_SECONDS:-60}
SEED=${SEED:-1}
GRID=${GRID:-32}
EPISODES=${EPISODES:-16}
MINIBATCH=${MINIBATCH:-128}
EPOCHS=${EPOCHS:-4}
LR=${LR:-1e-3}
ENTROPY=${ENTROPY:-0.02}
ITERATIONS=${ITERATIONS:-600}
SOFT=${SOFT:-fd}
EVAL_EVERY=${EVAL_EVERY:-5}
THREADS=${THREADS:-1}
OUT=${1:-runs/learning-experiment-h${HARD_MACROS}-seed${SEED}}
BIN=${CHIPFLOOR:-target/release/chipfloor}

if [[ ! -x "$BIN" ]]; then
  echo "building $BIN" >&2
  cargo build --release -p chipfloor >&2
fi
if [[ -e "$OUT/run" ]]; then
  echo "error: $OUT/run exists; remove it or pass another output folder" >&2
  exit 2
fi
mkdir -p "$OUT"

echo "== netlist" >&2
"$BIN" generate --out "$OUT/netlist" --count 1 --seed "$SEED" --hard-macros "$HARD_MACROS" \
  --soft-macros "$SOFT_MACROS" --ports "$PORTS" --nets "$NETS" >&2
NL="$OUT/netlist/gen_0.pb.txt"
PLC="$OUT/netlist/gen_0.plc"

echo "== greedy baseline" >&2
"$BIN" place "$NL" --plc "$PLC" --method greedy --seed "$SEED" --out "$OUT/greedy" >&2

echo "== simulated-annealing reference (${SA_SECONDS} s)" >&2
"$BIN" place "$NL" --plc "$PLC" --method sa --time-budget "$SA_SECONDS" --seed "$SEED" --out "$OUT/sa" >&2

if [[ -n "$CPU_SECONDS" ]]; then
  LIMIT=(--cpu-time-limit "$CPU_SECONDS")
  BUDGET="${CPU_SECONDS} CPU-s"
else
  LIMIT=(--time-limit "$TRAIN_SECONDS")
  BUDGET="${TRAIN_SECONDS} s"
fi
echo "== training for ${BUDGET} (CPU)" >&2
"$BIN" train "$NL" --plc "$PLC" --device cpu --threads "$THREADS" --seed "$SEED" \
  --grid "$GRID" --soft "$SOFT" --episodes-per-iter "$EPISODES" --minibatch "$MINIBATCH" \
  --epochs "$EPOCHS" --lr "$LR" --entropy-coef "$ENTROPY" --eval-every "$EVAL_EVERY" --iterations "$ITERATIONS" \
  "${LIMIT[@]}" ${EXTRA:-} --run-dir "$OUT/run" --no-progress > "$OUT/train_summary.txt"

echo "== best evaluated policy, placed with place --method rl" >&2
"$BIN" place "$NL" --plc "$PLC" --method rl --checkpoint "$OUT/run/best" --seed "$SEED" \
  --out "$OUT/rl-best" >&2
cat "$OUT/train_summary.txt" >&2

echo "== learning curve" >&2
"$BIN" plot-metrics "$OUT/run" --out "$OUT/learning_curve.png" \
  --title "gen h=${HARD_MACROS} s=${SOFT_MACROS} seed ${SEED}, ${BUDGET} on CPU" >&2

python3 - "$OUT" "$SOFT" <<'EOF'
import json, sys
out, soft = sys.argv[1], sys.argv[2]
keys = ["wirelength_cost", "density_cost", "congestion_cost",
        "proxy[wl=1,den=0.5,cong=0.5]", "proxy[wl=1,den=1,cong=0.5]"]
lines = [json.loads(l) for l in open(f"{out}/run/metrics.jsonl")]
evals = [e for l in lines for e in l.get("eval", [])]
first = min(evals, key=lambda e: e["policy_iteration"])
last = max(evals, key=lambda e: e["policy_iteration"])
rk = lines[-1]["reward_weights"]  # e.g. proxy[wl=1,den=0.5,cong=0.5]
rk = rk if rk in keys else keys[3]
best = min((e for e in evals if e["costs"]), key=lambda e: e["costs"][rk], default=None)
def report(name):
    g = json.load(open(f"{out}/{name}/report.json"))
    r = {k: g[k] for k in keys[:3]}
    r.update(g["proxy"])
    return r
greedy, sa, rlbest = report("greedy"), report("sa"), report("rl-best")
rows = [(f"RL greedy policy, untrained (iteration {first['policy_iteration']})", first["costs"]),
        (f"RL greedy policy, trained (iteration {last['policy_iteration']})", last["costs"])]
if best is not None:
    rows.append((f"RL greedy policy, best eval (iteration {best['policy_iteration']})", best["costs"]))
rows.append(("best policy via place --method rl --checkpoint run/best", rlbest))
rows.append(("placer greedy baseline (place --method greedy, fd)", greedy))
rows.append(("simulated annealing reference (place --method sa)", sa))
last_line = lines[-1]
t = last_line["timing"]
print(f"netlist {out}/netlist/gen_0.pb.txt; {len(lines)} iterations, "
      f"{last_line['total_env_steps']} env steps, {last_line['total_ppo_updates']} PPO updates, "
      f"{t['wall_s']:.0f} s; soft macros: {soft}; reward = -{last_line['reward_weights']}")
w = max(len(r[0]) for r in rows)
print(f"{'':{w}}  " + "  ".join(f"{k:>28}" for k in keys))
for name, c in rows:
    cells = [f"{c[k]:>28.6f}" if c else f"{'infeasible':>28}" for k in keys]
    print(f"{name:{w}}  " + "  ".join(cells))
print(f"mean training-episode {rk}: first iteration {lines[0][rk]:.6f}, last {last_line[rk]:.6f}")
if first["costs"] and last["costs"]:
    u, f = first["costs"][rk], last["costs"][rk]
    print(f"greedy-policy {rk}: untrained {u:.6f} -> trained {f:.6f} ({100 * (f - u) / u:+.1f} %); "
          f"SA reference {sa[rk]:.6f} ({100 * (sa[rk] - u) / u:+.1f} %); greedy baseline {greedy[rk]:.6f}")
print(f"learning curve: {out}/learning_curve.png")
EOF
