#!/usr/bin/env bash
# Installs what Tandem needs, skipping whatever is already present at the right version.
# Sourced by scripts/start and scripts/test; `scripts/setup.sh test` also runs standalone.
# Versions are pinned here and in ../shared/TOOLCHAIN.md's terms: Trunk 0.21.14 (0.22 needs a
# newer rustc), wasm-bindgen-cli at exactly Cargo.lock's wasm-bindgen, wasm-opt from the npm
# package binaryen (Debian's binaryen 108 breaks the .wasm), Debian's Chromium for tests.
set -euo pipefail

TANDEM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
export PATH="$HOME/.cargo/bin:$TANDEM_ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

ensure_rust() {
  if ! command -v cargo >/dev/null || ! command -v rustup >/dev/null; then
    echo "Rust (rustup and cargo) is required: https://rustup.rs — then run this again." >&2
    exit 1
  fi
  # rust-toolchain.toml pins the toolchain; this installs it and the wasm target if missing.
  (cd "$TANDEM_ROOT" && rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install)
  (cd "$TANDEM_ROOT" && rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown)
}

ensure_node_packages() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="$TANDEM_ROOT/node_modules/.tandem-lock.sha256"
  local want
  want="$(sha256sum "$TANDEM_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing node packages from package-lock.json (wasm-opt, playwright-core)"
    (cd "$TANDEM_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "Installing Trunk $TRUNK_VERSION (takes several minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  local version
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$TANDEM_ROOT/Cargo.lock")"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
    say "Installing wasm-bindgen-cli $version (matches Cargo.lock)"
    # Not --locked: its lockfile pins a webpki-roots version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$version"
  fi
}

ensure_chromium() {
  apt_install chromium chromium-driver
}

# brotli for the app's precompressed copies (build_app); gzip is in every Debian.
ensure_compressors() {
  command -v brotli >/dev/null || apt_install brotli
}

# PostgreSQL for the relay's cluster tests (crates/relay/tests/cluster.rs start a private
# server as the postgres user in a scratch folder); any Debian major version will do.
ensure_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_install postgresql
}

# NATS for the relay's cluster tests with the bus (crates/relay/tests/cluster_nats.rs start
# a private nats-server on a free loopback port); Debian's package will do.
ensure_nats() {
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ] ||
    apt_install nats-server
}

# What running Tandem needs.
setup_run() {
  ensure_rust
  ensure_node_packages
  ensure_trunk
  ensure_wasm_bindgen
  ensure_compressors
}

# What the tests need on top.
setup_test() {
  setup_run
  ensure_chromium
  ensure_postgres
  ensure_nats
}

# Writes NAME.br (brotli, quality 11) and NAME.gz (gzip -9) beside every compressible file
# of the built app, which the relay serves by Accept-Encoding (crates/relay/src/files.rs).
# Rewritten from the file each run, so running it twice changes nothing.
compress_app() {
  local dist="$1" file
  say "Compressing the app (brotli 11, gzip 9)"
  while IFS= read -r -d '' file; do
    brotli --quality=11 --force --output="$file.br" "$file"
    gzip -9 --no-name --stdout "$file" > "$file.gz"
    # brotli gives its output the input's time in whole seconds — older than the input by
    # its fraction — and the relay skips a copy older than its file as stale.
    touch "$file.br" "$file.gz"
  done < <(find "$dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
    -o -name '*.webmanifest' -o -name '*.svg' -o -name '*.json' \) -print0)
}

build_app() {
  say "Building the app (release, wasm-opt)"
  (cd "$TANDEM_ROOT" && trunk build --release)
  compress_app "$TANDEM_ROOT/dist"
  say "Building the relay"
  (cd "$TANDEM_ROOT" && cargo build --release -p tandem-relay)
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-run}" in
    run) setup_run ;;
    test) setup_test ;;
    *) echo "usage: scripts/setup.sh [run|test]" >&2; exit 2 ;;
  esac
fi
