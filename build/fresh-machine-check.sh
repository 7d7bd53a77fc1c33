#!/usr/bin/env bash
# Proves the README's two commands work on a fresh machine: a minimal Debian 12 (debootstrap's minbase) with only
# the .NET SDK's own prerequisites, the SDK and sudo, and the repository cloned into it by a contributor who is not
# root but may use sudo (as test.sh does for apt-get). As that user, the API must answer /health/ready and a
# reconstruct request, and the test command must pass.
#
#   build/fresh-machine-check.sh            as root; the first run debootstraps Debian 12, later runs reuse it
#   build/fresh-machine-check.sh --rebuild  debootstrap again (say, to pick up Debian's point releases)
#   build/fresh-machine-check.sh --keep     leave the container for a look inside (podman exec -it NAME bash)
#
# It checks the commit checked out, not uncommitted changes. This machine's .NET SDK is mounted read-only, its
# CA certificates too (so a TLS-inspecting proxy trusted here is trusted inside), and real MNIST from beside the
# repository (AUTOENCODER_MNIST overrides), as the tests expect. Tests that start containers themselves
# ([Trait("Category", "Containers")]) cannot run nested in this one and are left out. Needs debootstrap, podman
# runc and catatonit (installed when missing), git and curl.
set -euo pipefail

rebuild=false keep=false
for argument in "$@"; do
  case "$argument" in
    --rebuild) rebuild=true ;;
    --keep) keep=true ;;
    *) echo "usage: $0 [--rebuild] [--keep]" >&2; exit 2 ;;
  esac
done

say() { printf '\n== fresh-machine-check: %s\n' "$*" >&2; }
fail() { printf '\n== fresh-machine-check: FAILED: %s\n' "$*" >&2; exit 1; }
stopwatch() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }

((EUID == 0)) || fail "run as root: it debootstraps and runs podman as root"

repository="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
commit="$(git -C "$repository" rev-parse HEAD)"
mnist="$(realpath "${AUTOENCODER_MNIST:-$repository/../shared/data/mnist}")"
sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")"
cache="${AUTOENCODER_CHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/autoencoder/fresh-machine}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
minbase_image=localhost/autoencoder-fresh-machine:bookworm-minbase
dotnet_image=localhost/autoencoder-fresh-machine:bookworm-dotnet-prerequisites
contributor_image=localhost/autoencoder-fresh-machine:bookworm-contributor
# Who runs the two commands: a contributor's own account, with passwordless sudo.
contributor=contributor
# The .NET SDK's own prerequisites on Debian 12 (libc6, libgcc-s1, libstdc++6 and zlib1g are in minbase already).
dotnet_prerequisites=(ca-certificates libicu72 libssl3 libgssapi-krb5-2)

[[ -f "$mnist/t10k-images-idx3-ubyte.gz" ]] || fail "real MNIST is not at $mnist; set AUTOENCODER_MNIST"
[[ -x "$sdk/dotnet" ]] || fail "no .NET SDK on PATH"
[[ -z "$(git -C "$repository" status --porcelain --untracked-files=no)" ]] \
  || echo "note: uncommitted changes are not part of the check; it checks $commit" >&2

missing=()
for tool in debootstrap podman runc catatonit; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
  say "installing ${missing[*]} with apt-get: they build the Debian 12 root and run it as a container"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi

mkdir -p "$cache"
# No default ulimits: containers inherit this machine's, where raising them is not allowed in every sandbox.
if [[ -z "${CONTAINERS_CONF:-}" ]]; then
  printf '[containers]\ndefault_ulimits = []\n' >"$cache/containers.conf"
  export CONTAINERS_CONF="$cache/containers.conf"
fi
podman=(podman --runtime runc)

if $rebuild; then
  "${podman[@]}" rmi --force "$contributor_image" "$dotnet_image" "$minbase_image" >/dev/null 2>&1 || true
fi

SECONDS=0
if ! "${podman[@]}" image exists "$minbase_image"; then
  say "debootstrap --variant=minbase bookworm (once; cached as $minbase_image)"
  root="$(mktemp -d "$cache/rootfs.XXXXXX")"
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  # As the installer leaves it: updates and security fixes too.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar --numeric-owner -C "$root" -c . | "${podman[@]}" import --quiet - "$minbase_image" >/dev/null
  rm -rf "$root"
  echo "Debian 12 minbase image built in $(stopwatch)" >&2
fi

if ! "${podman[@]}" image exists "$dotnet_image"; then
  say "adding the .NET SDK's prerequisites: ${dotnet_prerequisites[*]} (once; cached as $dotnet_image)"
  builder="autoencoder-fresh-machine-prerequisites-$$"
  "${podman[@]}" run --name "$builder" "$minbase_image" bash -euc "
    export DEBIAN_FRONTEND=noninteractive
    apt-get -q update
    apt-get -q install -y --no-install-recommends ${dotnet_prerequisites[*]}
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet"
  "${podman[@]}" commit --quiet "$builder" "$dotnet_image" >/dev/null
  "${podman[@]}" rm "$builder" >/dev/null
  echo "image with the .NET SDK's prerequisites ready at $(stopwatch)" >&2
fi

if ! "${podman[@]}" image exists "$contributor_image"; then
  say "adding sudo and the user $contributor, who may use it without a password (once; cached as $contributor_image)"
  builder="autoencoder-fresh-machine-contributor-$$"
  "${podman[@]}" run --name "$builder" "$dotnet_image" bash -euc "
    export DEBIAN_FRONTEND=noninteractive
    apt-get -q update
    apt-get -q install -y --no-install-recommends sudo
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    useradd --create-home --shell /bin/bash $contributor
    echo '$contributor ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/$contributor
    chmod 0440 /etc/sudoers.d/$contributor
    visudo --check --quiet"
  "${podman[@]}" commit --quiet "$builder" "$contributor_image" >/dev/null
  "${podman[@]}" rm "$builder" >/dev/null
  echo "image with sudo and $contributor ready at $(stopwatch)" >&2
fi
images_ready=$SECONDS

name="autoencoder-fresh-machine-$$"
clone="$(mktemp -d "$cache/clone.XXXXXX")"
cleanup() {
  rm -rf "$clone"
  if $keep; then
    echo "the container is kept: podman --runtime runc exec -it $name bash; remove it with podman rm -f $name" >&2
  else
    "${podman[@]}" rm --force --time 5 "$name" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

say "cloning $commit into a fresh container"
git clone --quiet --no-checkout "$repository" "$clone/autoencoder"
git -C "$clone/autoencoder" checkout --quiet --detach "$commit"
# --init: a real init reaps the processes that end, so a stopped API is seen as stopped.
"${podman[@]}" run --detach --init --name "$name" \
  --volume "$sdk:/usr/share/dotnet:ro" \
  --volume /etc/ssl/certs:/etc/ssl/certs:ro \
  --volume "$mnist:/build/shared/data/mnist:ro" \
  --env NUGET_CERT_REVOCATION_MODE="${NUGET_CERT_REVOCATION_MODE:-online}" \
  "$contributor_image" sleep infinity >/dev/null
"${podman[@]}" cp "$clone/autoencoder" "$name:/build/autoencoder"
# The clone is the contributor's, as if they had cloned it; /build holds the API's log beside it.
"${podman[@]}" exec "$name" chown "$contributor:" /build
"${podman[@]}" exec "$name" chown -R "$contributor:" /build/autoencoder
in_container() {
  "${podman[@]}" exec --user "$contributor" --env HOME="/home/$contributor" --workdir /build/autoencoder "$name" bash -euc "$1"
}
in_container '[[ "$(id -u)" != 0 ]] && sudo --non-interactive true' || fail "the contributor is root, or may not use sudo"
# This machine's curl, in the container's own network namespace: minbase has no HTTP client, and port 5080
# inside the container is ours alone.
container_pid="$("${podman[@]}" inspect --format '{{.State.Pid}}' "$name")"
http() { nsenter --target "$container_pid" --net curl --silent --show-error --max-time 30 "$@"; }

say "command 1, as $contributor: dotnet run --project src/Api"
started=$SECONDS
in_container 'setsid dotnet run --project src/Api >/build/api.log 2>&1 & echo $! >/build/api.pid'
until [[ "$(http --output /dev/null --write-out '%{http_code}' http://localhost:5080/health/ready 2>/dev/null)" == 200 ]]; do
  in_container 'kill -0 "$(cat /build/api.pid)"' 2>/dev/null \
    || { in_container 'tail -n 40 /build/api.log' >&2; fail "the API exited before it was ready"; }
  ((SECONDS - started < 1200)) || { in_container 'tail -n 40 /build/api.log' >&2; fail "the API was not ready within 20 minutes"; }
  sleep 2
done
echo "ready after $((SECONDS - started)) s (restore, build, model warm-up): $(http http://localhost:5080/health/ready)" >&2

headers="$clone/reconstruct.headers" body="$clone/reconstruct.png"
http --data-binary @"$clone/autoencoder/samples/digit-0-label-7.png" --header 'Content-Type: image/png' \
  --dump-header "$headers" --output "$body" http://localhost:5080/reconstruct
grep -qi '^HTTP/[0-9.]* 200' "$headers" || { cat "$headers" "$body" >&2; fail "POST /reconstruct did not answer 200"; }
grep -qi '^content-type: image/png' "$headers" || { cat "$headers" >&2; fail "POST /reconstruct did not answer a PNG"; }
[[ "$(head -c 8 "$body" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || fail "the reconstruction is not a PNG"
echo "POST /reconstruct: 200, image/png, $(stat -c %s "$body") bytes" >&2
in_container 'kill -TERM -- "-$(cat /build/api.pid)"; for _ in $(seq 100); do kill -0 "$(cat /build/api.pid)" 2>/dev/null || exit 0; sleep 0.2; done; exit 1' \
  || fail "the API did not stop on SIGTERM"
api_seconds=$((SECONDS - started))

say "command 2, as $contributor: ./test.sh (without tests that start containers themselves)"
started=$SECONDS
in_container './test.sh --filter "Category!=Containers"' || fail "the test command failed"
test_seconds=$((SECONDS - started))

say "PASSED for $commit"
printf '  %-48s %4d s%s\n' "images (debootstrap, .NET prerequisites, sudo):" "$images_ready" "$( ((images_ready < 5)) && echo ' (cached)')" >&2
printf '  %-48s %4d s\n' "API first start, health and reconstruct:" "$api_seconds" >&2
printf '  %-48s %4d s\n' "test command, first run:" "$test_seconds" >&2
printf '  %-48s %4d s\n' "in all:" "$SECONDS" >&2
