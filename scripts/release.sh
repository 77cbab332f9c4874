#!/usr/bin/env bash
# Builds the batchctl binary to ship: release, the Swift runtime linked in (--static-swift-stdlib), stripped, packed
# as dist/batchctl-<version>-linux-<arch>.tar.gz with its .sha256 beside it. The version is the one the binary
# reports (`batchctl --version`, the string in Sources/batchctl/Batchctl.swift).
#
#   scripts/release.sh                        # build in .build, as `swift build` does
#   SCRATCH_PATH=/tmp/rel scripts/release.sh   # build elsewhere (a debug build may then run beside it)
#
# Prints the archive's path last. Needs the toolchain's static runtime (swift.org toolchains and the swift images
# ship it), strip (binutils), tar and sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${SCRATCH_PATH:-.build}"
# The build's progress goes to stderr: stdout carries only the archive's path.
swift build -c release --product batchctl --static-swift-stdlib --scratch-path "$scratch" >&2
built="$(swift build -c release --product batchctl --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/batchctl"

version="$("$built" --version)"
case "$version" in
    ''|*[!0-9A-Za-z.+-]*) echo "release.sh: unexpected version '$version' from $built --version" >&2; exit 1 ;;
esac
arch="$(uname -m)"
name="batchctl-$version-linux-$arch"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$built" "$stage/batchctl"
strip "$stage/batchctl"

mkdir -p dist
# Owner and times fixed, so the same binary packs to the same archive.
tar --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$stage" -cf - batchctl | gzip -n -9 > "dist/$name.tar.gz"
(cd dist && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$(du -h "$stage/batchctl" | cut -f1) stripped binary, $(du -h "dist/$name.tar.gz" | cut -f1) packed" >&2
echo "dist/$name.tar.gz"
