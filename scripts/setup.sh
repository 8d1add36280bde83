#!/usr/bin/env bash
# chipfloor set-up: installs libtorch (from the pip package torch) into .venv and writes
# .cargo/config.toml so that plain `cargo build`, `cargo test` and the built binary work
# with no extra environment variables. Safe to run again: it skips what is already done.
#
# The torch and tch versions are pinned together here and in Cargo.toml: bump them together
# (tch 0.24 is the release made for torch 2.11).
set -euo pipefail

TORCH_VERSION="2.11.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHIPFLOOR_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

say() { printf 'setup: %s\n' "$*" >&2; }

command -v cargo >/dev/null || { say "cargo not found: install Rust (rustup) first"; exit 1; }
command -v "$PYTHON" >/dev/null || { say "$PYTHON not found: install Python 3.9+ first"; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi

have="$("$VENV/bin/python" - <<'PY' 2>/dev/null || true
import importlib.metadata as m
try:
    print(m.version("torch"))
except Exception:
    pass
PY
)"
if [ "${have%%+*}" != "$TORCH_VERSION" ]; then
  say "installing torch==$TORCH_VERSION into $VENV (about 4 GB; a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==$TORCH_VERSION"
else
  say "torch $have already installed"
fi

TORCH_DIR="$("$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("torch")
print(os.path.dirname(spec.origin))
PY
)"
[ -f "$TORCH_DIR/lib/libtorch_cpu.so" ] || { say "libtorch not found under $TORCH_DIR/lib"; exit 1; }

mkdir -p "$ROOT/.cargo"
cat > "$ROOT/.cargo/config.toml" <<TOML
# Written by scripts/setup.sh; do not edit (run the script again instead).
[env]
LIBTORCH = "$TORCH_DIR"
LIBTORCH_CXX11_ABI = "1"
CHIPFLOOR_LIBTORCH = "$TORCH_DIR"

[target.x86_64-unknown-linux-gnu]
rustflags = ["-C", "link-args=-Wl,-rpath,$TORCH_DIR/lib"]

[target.aarch64-unknown-linux-gnu]
rustflags = ["-C", "link-args=-Wl,-rpath,$TORCH_DIR/lib"]

[alias]
qt = "test -p netlists -p placer -p env"
TOML
say "libtorch: $TORCH_DIR"
say "wrote $ROOT/.cargo/config.toml"

# The service's browser test drives headless Chromium (Debian package `chromium`, or $CHROMIUM).
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="$(command -v sudo || true)"
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
    say "installing chromium (for the service's browser test)"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } \
      || say "could not install chromium: the service's browser test fails under CI without it"
  else
    say "chromium not found (and cannot apt-get it): the service's browser test fails under CI without it"
  fi
fi
