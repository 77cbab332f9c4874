#!/usr/bin/env bash
# Checks the binary release.sh made as a machine without Swift would run it: its checksum, that it links nothing from the
# toolchain, and that it runs with the toolchain's library folder hidden (an empty folder mounted over it, in a mount
# namespace of its own; where that is not allowed, with LD_LIBRARY_PATH empty and the ldd check alone): --version,
# validate on the examples, an apply of the examples to the embedded emulator, and a plan after it with nothing to do.
#
#   scripts/check-release.sh dist/batchctl-<version>-linux-<arch>.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
archive="${1:?usage: scripts/check-release.sh dist/batchctl-VERSION-linux-ARCH.tar.gz}"

(cd "$(dirname "$archive")" && sha256sum --check --quiet "$(basename "$archive").sha256")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/empty"
tar -xzf "$archive" -C "$work/bin"
binary="$work/bin/batchctl"
cp -R examples "$work/examples"
rm -rf "$work/examples/.batchctl"

# The toolchain's library folder: beside the swift driver (swift.org toolchains: usr/bin/swift and usr/lib/swift).
toolchain_lib=""
if command -v swift >/dev/null; then
    toolchain_lib="$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../lib" && pwd)"
fi

if readelf -S "$binary" | grep -q '\.symtab'; then echo "check-release: $binary is not stripped" >&2; exit 1; fi
links="$(env LD_LIBRARY_PATH= ldd "$binary")"
if grep -Eq 'not found|libswiftCore|libFoundation|libdispatch|/swift/' <<<"$links" \
    || { [ -n "$toolchain_lib" ] && grep -qF "$toolchain_lib" <<<"$links"; }; then
    echo "check-release: $binary links the Swift runtime or something missing:" >&2
    echo "$links" >&2
    exit 1
fi

# What runs without the toolchain: the commands a user's first minutes take.
cat > "$work/run.sh" <<'SCRIPT'
set -euo pipefail
binary="$1"; version="$2"; examples="$3"
[ "$("$binary" --version)" = "$version" ] || { echo "check-release: --version says $("$binary" --version), not $version" >&2; exit 1; }
quietly() { "$@" >"$examples/.log" 2>&1 || { status=$?; cat "$examples/.log" >&2; echo "check-release: $* exited $status" >&2; exit 1; }; }
quietly "$binary" -C "$examples" validate --env prod
quietly "$binary" -C "$examples" apply --env prod --endpoint embedded --auto-approve
quietly "$binary" -C "$examples" plan --env prod --endpoint embedded --detailed-exitcode
SCRIPT
version="$(basename "$archive" .tar.gz)"
version="${version#batchctl-}"
version="${version%-linux-*}"

if [ -n "$toolchain_lib" ] && unshare -m true 2>/dev/null; then
    unshare -m bash -c 'mount --bind "$1" "$2" && shift 2 && env -u LD_LIBRARY_PATH PATH=/usr/bin:/bin bash "$@"' \
        _ "$work/empty" "$toolchain_lib" "$work/run.sh" "$binary" "$version" "$work/examples"
    echo "check-release: $(basename "$archive") runs with $toolchain_lib hidden"
else
    env LD_LIBRARY_PATH= PATH=/usr/bin:/bin bash "$work/run.sh" "$binary" "$version" "$work/examples"
    echo "check-release: $(basename "$archive") runs without the toolchain on its library path (the folder could not be hidden here)"
fi
