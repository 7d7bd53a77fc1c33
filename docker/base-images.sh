#!/usr/bin/env bash
# Local stand-ins for the two .NET base images the Dockerfile builds on, for a machine that cannot pull
# from a container registry but has Debian's packages and the .NET 10 SDK installed:
#
#   localhost/autoencoder-base/dotnet-sdk:10.0      stands in for mcr.microsoft.com/dotnet/sdk:10.0
#   localhost/autoencoder-base/dotnet-aspnet:10.0   stands in for mcr.microsoft.com/dotnet/aspnet:10.0
#
# Each is Debian 12 (debootstrap, minbase) with the .NET prerequisites (ca-certificates, ICU, OpenSSL,
# libstdc++, tzdata, zlib) and this machine's .NET: the whole SDK, or only the host and the .NET and
# ASP.NET Core runtimes. Like Microsoft's images, dotnet lives in /usr/share/dotnet, the runtime image has a
# non-root user "app" (uid 1654, in APP_UID) and listens on 8080 (ASPNETCORE_HTTP_PORTS).
#
#   docker/base-images.sh            build whichever image is missing (podman), print the build arguments
#   docker/base-images.sh --force    rebuild both
#
# The debootstrap root is cached as a tarball in ${XDG_CACHE_HOME:-~/.cache}/autoencoder. Needs root,
# debootstrap and podman. DEBIAN_MIRROR overrides the mirror (default: the one apt uses here, else
# deb.debian.org).
set -euo pipefail

readonly SDK_IMAGE=localhost/autoencoder-base/dotnet-sdk:10.0
readonly ASPNET_IMAGE=localhost/autoencoder-base/dotnet-aspnet:10.0
readonly APP_UID=1654
cache="${XDG_CACHE_HOME:-$HOME/.cache}/autoencoder"
rootfs_tar="$cache/debian-bookworm-minbase-dotnet-prereqs.tar"
force=false
[[ "${1:-}" == "--force" ]] && force=true

log() { printf '%s\n' "$*" >&2; }

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2 } END { print v }')
sdk_version=$(dotnet --version)
[[ -n "$runtime_version" ]] || { log "no ASP.NET Core runtime found next to $dotnet_root/dotnet"; exit 1; }

mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
             | awk '{ print $2 }' | head -n 1 || true)
  mirror="${mirror:-http://deb.debian.org/debian}"
fi

# One debootstrap for both images: Debian 12 minbase plus what .NET needs at run time.
if [[ ! -s "$rootfs_tar" ]]; then
  mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log "debootstrap bookworm (minbase) from $mirror ..."
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,libstdc++6,tzdata,zlib1g \
    bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/* \
         "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/*
  tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
fi

image_exists() { podman image exists "$1"; }

# build_image NAME KIND: unpack the cached root, add .NET (KIND sdk or aspnet), import it as NAME.
build_image() {
  local name=$1 kind=$2 root
  root=$(mktemp -d)
  tar -C "$root" -xf "$rootfs_tar"
  mkdir -p "$root/usr/share/dotnet/shared"
  cp -a "$dotnet_root"/dotnet "$dotnet_root"/host "$dotnet_root"/LICENSE.txt "$dotnet_root"/ThirdPartyNotices.txt \
        "$root/usr/share/dotnet/"
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$root/usr/share/dotnet/shared/"
  ln -s /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"

  local -a changes=(
    --change "ENV DOTNET_VERSION=$runtime_version"
    --change "ENV ASPNET_VERSION=$runtime_version"
    --change "ENV DOTNET_RUNNING_IN_CONTAINER=true"
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  )
  if [[ "$kind" == sdk ]]; then
    cp -a "$dotnet_root"/sdk "$dotnet_root"/sdk-manifests "$dotnet_root"/packs "$dotnet_root"/templates "$root/usr/share/dotnet/"
    changes+=(
      --change "ENV DOTNET_SDK_VERSION=$sdk_version"
      --change "ENV DOTNET_NOLOGO=true"
      --change "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1"
      --change "ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false"
      --change "ENV NUGET_XMLDOC_MODE=skip"
    )
  else
    chroot "$root" groupadd --gid "$APP_UID" app
    chroot "$root" useradd --uid "$APP_UID" --gid "$APP_UID" --shell /bin/false --no-create-home app
    changes+=(
      --change "ENV APP_UID=$APP_UID"
      --change "ENV ASPNETCORE_HTTP_PORTS=8080"
    )
  fi

  log "importing $name ..."
  tar -C "$root" --numeric-owner -c . | podman import --quiet "${changes[@]}" - "$name" >/dev/null
  rm -rf "$root"
}

for pair in "$SDK_IMAGE sdk" "$ASPNET_IMAGE aspnet"; do
  read -r name kind <<<"$pair"
  if $force || ! image_exists "$name"; then
    build_image "$name" "$kind"
  fi
done

# What the Dockerfile takes to use them.
echo "--build-arg SDK_IMAGE=$SDK_IMAGE --build-arg ASPNET_IMAGE=$ASPNET_IMAGE"
