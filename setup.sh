#!/usr/bin/env bash
# hetfx setup: installs everything the project needs, idempotently.
#
#   bash setup.sh
#
# Works on a bare Debian 12 as root with no TTY (installs Node/npm, lavapipe, Jupyter from apt),
# and on a machine where those are already present (then apt is not touched at all).
# Deno 2.9.6 comes from npm into ./.tools (git-ignored); the stable path is ./.tools/bin/deno.
set -euo pipefail

DENO_VERSION="2.9.6"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive

STEP="start"
step() {
  STEP="$1"
  echo "setup: $1"
}
on_error() {
  local rc=$?
  echo "setup: FAILED at step: ${STEP} (exit ${rc})" >&2
  exit "$rc"
}
trap on_error ERR

# ---------------------------------------------------------------------------------------------
# 1. System packages (apt), only what is missing.
# ---------------------------------------------------------------------------------------------
step "checking system packages"
APT_PACKAGES=(
  ca-certificates
  mesa-vulkan-drivers libvulkan1
  fonts-dejavu-core fontconfig-config
  jupyter-client jupyter-nbconvert python3-nbconvert python3-nbclient python3-ipykernel jupyter-core
)
missing=()
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO=(sudo -n)
    else
      echo "setup: these system packages are missing: ${missing[*]}" >&2
      echo "setup: installing them needs root. Run 'bash setup.sh' as root, or as root run:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      echo "setup: then run 'bash setup.sh' again as this user." >&2
      STEP="system packages (need root: no passwordless sudo for user $(id -un))"
      false
    fi
  fi
  step "apt-get update (missing: ${missing[*]})"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  step "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  step "system packages present (node $(node --version), npm $(npm --version), lavapipe, jupyter)"
fi

# ---------------------------------------------------------------------------------------------
# 2. Deno from npm into .tools, plus the stable path .tools/bin/deno.
# ---------------------------------------------------------------------------------------------
DENO_PKG=".tools/node_modules/deno"
have_deno_version() {
  [ -x "$DENO_PKG/deno" ] || return 1
  "$DENO_PKG/deno" --version 2>/dev/null | head -n1 | grep -q "^deno ${DENO_VERSION} "
}
if have_deno_version; then
  step "deno ${DENO_VERSION} already in .tools"
else
  step "npm install deno@${DENO_VERSION} into .tools"
  mkdir -p .tools
  npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error "deno@${DENO_VERSION}"
  STEP="checking deno ${DENO_VERSION} runs"
  have_deno_version
fi
mkdir -p .tools/bin
if [ "$(readlink .tools/bin/deno 2>/dev/null || true)" != "../node_modules/deno/deno" ]; then
  ln -sfn ../node_modules/deno/deno .tools/bin/deno
fi
DENO="$ROOT/.tools/bin/deno"
step "using $("$DENO" --version | head -n1) at .tools/bin/deno"

# ---------------------------------------------------------------------------------------------
# 3. npm imports from deno.json into node_modules; the Jupyter kernel.
# ---------------------------------------------------------------------------------------------
step "deno install (npm imports of deno.json)"
"$DENO" install --quiet

# The kernelspec is per user (~/.local/share/jupyter/kernels/deno) and names the deno binary by its
# absolute path: keep it when it already points at this checkout's deno, else (re)write it.
KERNEL_JSON="${XDG_DATA_HOME:-$HOME/.local/share}/jupyter/kernels/deno/kernel.json"
DENO_REAL="$(readlink -f "$DENO")"
if [ -f "$KERNEL_JSON" ] && grep -qF "\"$DENO_REAL\"" "$KERNEL_JSON"; then
  step "Deno Jupyter kernel already registered ($KERNEL_JSON)"
else
  step "deno jupyter --install (register the Deno kernel)"
  # deno writes the first `deno` on PATH into the kernelspec when there is one (a global Deno, or
  # .tools/node_modules/.bin): put this checkout's binary first so the kernel runs it.
  PATH="$(dirname "$DENO_REAL"):$PATH" "$DENO_REAL" jupyter --install --force 2>&1 |
    grep -v -e 'is unstable' -e 'Debugger' -e 'frozen modules' -e 'PYDEVD_DISABLE' || true
  STEP="checking the Deno kernelspec at $KERNEL_JSON"
  grep -qF "\"$DENO_REAL\"" "$KERNEL_JSON"
fi

step "done. Next: .tools/bin/deno task test"
