#!/usr/bin/env bash
# Brings a machine from a clean clone to a built tutor, skipping every step
# that is already done: Debian packages, npm packages (from the lockfile),
# the native engine, the WebAssembly engine, and the web app.
# Usage: scripts/setup.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."

quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }
run() { if [ "$quiet" = 1 ]; then "$@" >/dev/null; else "$@"; fi; }
# Which tracked files differ from the last commit, before and after setup: setup must change
# none of them (the setup-clean suite of scripts/test.mjs compares the two).
snapshot() { node scripts/tracked-files.mjs save "build/reports/tracked-files-$1-setup.json"; }
snapshot before

# --- Debian packages -------------------------------------------------------
# Each entry: package name and a file that proves it is installed.
apt_wanted=(
  "cmake:/usr/bin/cmake"
  "make:/usr/bin/make"
  "g++:/usr/bin/g++"
  "emscripten:/usr/bin/emcc"
  "binaryen:/usr/bin/wasm-opt"
  "libxsimd-dev:/usr/include/xsimd/xsimd.hpp"
  "nlohmann-json3-dev:/usr/include/nlohmann/json.hpp"
  "doctest-dev:/usr/include/doctest/doctest.h"
  "clang-format:/usr/bin/clang-format"
  "chromium:/usr/bin/chromium"
  # clang + its runtime libraries: the ASan/UBSan doctest suite (build/asan) and the libFuzzer
  # targets (build/fuzz, scripts/fuzz.mjs); npm test builds both.
  "clang:/usr/bin/clang++"
  "libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
)
missing=()
for entry in "${apt_wanted[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  run "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive run "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- npm packages ----------------------------------------------------------
# npm writes node_modules/.package-lock.json; reinstall when the lockfile changed since.
# `npm ci`: exactly the lockfile, which it never rewrites (`npm install` may, and did: it added
# other platforms' optional rollup packages). The lockfile keeps every platform's optional
# packages, as npm writes it; each machine installs only its own.
# It runs in the background while the engine builds (it mostly waits on the network and the disk);
# the web app's build below waits for it.
npm_pid=
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json (in the background)"
  if [ "$quiet" = 1 ]; then npm ci --no-audit --no-fund >/dev/null & else npm ci --no-audit --no-fund & fi
  npm_pid=$!
  # If a build fails first, do not leave npm running: the next setup installs again.
  trap '[ -z "$npm_pid" ] || kill "$npm_pid" 2>/dev/null || true' EXIT
fi
npm_done() {
  [ -z "$npm_pid" ] && return
  wait "$npm_pid" || { echo "setup: npm ci failed" >&2; exit 1; }
  npm_pid=
}

# --- engine: native and WebAssembly ----------------------------------------
# Emscripten 3.1.6's JS optimiser needs Debian's acorn on NODE_PATH.
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc 2>/dev/null || echo 2)

# The three configure steps run side by side (em++'s compiler checks take a while, on one core).
configuring=()
if [ ! -f build/native/CMakeCache.txt ]; then
  say "configuring the native engine build"
  run cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release &
  configuring+=($!)
fi
if [ ! -f build/wasm/CMakeCache.txt ]; then
  say "configuring the WebAssembly engine build"
  run emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release &
  configuring+=($!)
fi
# The threaded engine (-pthread): the page loads it when cross-origin isolated (web/src/engine/load.ts).
if [ ! -f build/wasm-mt/CMakeCache.txt ]; then
  say "configuring the threaded WebAssembly engine build"
  run emcmake cmake -S . -B build/wasm-mt -DCMAKE_BUILD_TYPE=Release -DMOE_THREADS=ON &
  configuring+=($!)
fi
for pid in "${configuring[@]}"; do wait "$pid"; done

# The three builds share one pool of $jobs jobs (make's jobserver reaches the make under each
# `cmake --build`): while one build waits on a single long step (linking and optimising a wasm
# module, the last big file of a library), another compiles on the free core.
say "building the native engine, the WebAssembly engine and the threaded WebAssembly engine"
run make --no-print-directory -j"$jobs" -f - <<'EOF'
all: native wasm wasm-mt
native: ; +cmake --build build/native
wasm: ; +cmake --build build/wasm
wasm-mt: ; +cmake --build build/wasm-mt --target moe_engine_wasm
.PHONY: all native wasm wasm-mt
EOF

# --- language-model corpus ---------------------------------------------------
# build/lm-corpus/ (a few seconds when its packages are installed): the tests of the shipped
# checkpoints re-train their first steps and evaluate them on it (tests/engine/lm/test_lm_shipped.cpp).
if [ ! -f build/lm-corpus/manifest.json ]; then
  say "assembling the language-model corpus"
  run node scripts/lm-corpus.mjs
fi

# --- web app ---------------------------------------------------------------
# Rebuild only when a source of the page is newer than the last build.
stamp=dist/index.html
if [ ! -f "$stamp" ] || [ -n "$(find web lessons build/wasm/moe_engine.wasm build/wasm-mt/moe_engine.wasm package-lock.json -newer "$stamp" -type f -print -quit 2>/dev/null)" ]; then
  npm_done
  say "building the web app"
  run npx vite build --config web/vite.config.ts --logLevel warn
fi
npm_done
snapshot after
say "ready"
