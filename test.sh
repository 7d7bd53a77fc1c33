#!/usr/bin/env bash
# The test command: installs what the tests need beyond the .NET SDK, then runs every test.
#
#   ./test.sh                                    every test
#   ./test.sh --filter "FullyQualifiedName~Png"  any other `dotnet test` options are passed through
#
# For Debian 12 / Ubuntu 24.04 and newer on x86-64. Missing packages are installed with apt-get, through
# sudo when not run as root; set AUTOENCODER_SKIP_APT=1 to only report them.
set -euo pipefail
cd "$(dirname "$0")"

# What the tests need from the system's packages: "package  why". A new kind of test adds one line here.
prerequisites=(
  "python3-onnx           ONNX's reference checker, which the export tests run on every exported model"
  "dataset-fashion-mnist  full Fashion-MNIST (60,000 + 10,000 images), which the IDX reader is tested on"
  "fonts-dejavu-core      the font the training pictures are captioned with"
  "chromium               the browser the page's tests drive with Playwright, which cannot download its own here"
  "curl                   the HTTP client of the documentation's examples, which a test runs against the service"
  "python3-grpcio         a gRPC client the project did not write, which a test calls the gRPC port with"
  "python3-grpc-tools     protoc for Python, which makes that client's stubs from the published .proto"
  # OpenCV's native library, which the denoise reports' classical denoisers (median, non-local means) run on, links
  # these (readelf -d libOpenCvSharpExtern.so); a machine without a desktop lacks them and the library does not load:
  "libgtk-3-0             libgtk-3.so.0 and libgdk-3.so.0, which OpenCV's native library links"
  "libpango-1.0-0         libpango-1.0.so.0, which OpenCV's native library links"
  "libpangocairo-1.0-0    libpangocairo-1.0.so.0, which OpenCV's native library links"
  "libatk1.0-0            libatk-1.0.so.0, which OpenCV's native library links"
  "libcairo2              libcairo.so.2, which OpenCV's native library links"
  "libcairo-gobject2      libcairo-gobject.so.2, which OpenCV's native library links"
  "libgdk-pixbuf-2.0-0    libgdk_pixbuf-2.0.so.0, which OpenCV's native library links"
  "libglib2.0-0           libglib-2.0.so.0, libgobject-2.0.so.0 and libgio-2.0.so.0, which OpenCV's native library links"
  "libfreetype6           libfreetype.so.6, which OpenCV's native library links"
  "libharfbuzz0b          libharfbuzz.so.0, which OpenCV's native library links"
  "libx11-6               libX11.so.6, which OpenCV's native library links"
  "libdrm2                libdrm.so.2, which OpenCV's native library links"
  "libatomic1             libatomic.so.1, which OpenCV's native library links"
  # Container tests (tests marked [Trait("Category", "Containers")]):
)

say() { printf 'test.sh: %s\n' "$*" >&2; }

installed() {
  [[ "$(dpkg-query --show --showformat='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]] || provided "$1"
}

# Ubuntu 24.04 renamed some libraries for its 64-bit time_t (libgtk-3-0t64, libglib2.0-0t64); each still provides
# the old name, which apt-get installs it by.
provided() {
  dpkg-query --show --showformat='${db:Status-Status}\t${Provides}\n' 2>/dev/null | awk -F '\t' -v package="$1" '
    $1 == "installed" { count = split($2, names, / *, */); for (i = 1; i <= count; i++) { sub(/ .*/, "", names[i]); if (names[i] == package) found = 1 } }
    END { exit !found }'
}

install_missing() {
  local packages=() line package why
  for line in "${prerequisites[@]}"; do
    read -r package why <<<"$line"
    if ! installed "$package"; then
      ((${#packages[@]} > 0)) || say "the tests need these packages, which are not installed:"
      printf '  %-22s %s\n' "$package" "$why" >&2
      packages+=("$package")
    fi
  done
  ((${#packages[@]} > 0)) || return 0

  local as_root=()
  if [[ "${AUTOENCODER_SKIP_APT:-}" == 1 ]] || ! command -v apt-get >/dev/null; then
    say "not installing them (no apt-get, or AUTOENCODER_SKIP_APT=1); the tests that need them will fail"
    return 0
  elif ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      say "install them as root: apt-get install ${packages[*]}"
      exit 1
    fi
    as_root=(sudo)
  fi

  say "installing them with apt-get${as_root:+ through sudo}"
  # The lock timeout waits for another apt (an unattended upgrade, say) instead of failing at once.
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${packages[@]}"
}

check_dotnet() {
  if ! command -v dotnet >/dev/null; then
    say "the .NET SDK is not on PATH: install the SDK that global.json names (10.0), see https://learn.microsoft.com/dotnet/core/install/linux"
    exit 1
  fi
}

# Real MNIST is not packaged; the tests read it from beside the repository unless AUTOENCODER_MNIST says where.
check_mnist() {
  local mnist="${AUTOENCODER_MNIST:-../shared/data/mnist}"
  if [[ ! -f "$mnist/t10k-images-idx3-ubyte.gz" ]]; then
    say "real MNIST is not at $mnist (train-* and t10k-* IDX files); put it there or set AUTOENCODER_MNIST"
    exit 1
  fi
}

check_dotnet
check_mnist
if command -v dpkg-query >/dev/null; then
  install_missing
else
  say "not a Debian-based system: install the equivalents of ${prerequisites[*]%% *} yourself"
fi

exec dotnet test Autoencoder.sln "$@"
