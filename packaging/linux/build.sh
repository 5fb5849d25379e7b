#!/usr/bin/env bash
# Build ArbDesk for Linux: the PyInstaller folder, a .tar.gz of it, and a .deb.
#
#   PYTHON=.venv-build/bin/python packaging/linux/build.sh
#
# PYTHON is an interpreter with the project installed with its build extra
# (pip install -e ".[build]"); default: python3. Run from anywhere; output goes to dist/:
#
#   dist/arbdesk/                                  the one-folder app (run dist/arbdesk/arbdesk)
#   dist/arbdesk-VERSION-linux-MACHINE.tar.gz      that folder, for any distribution
#   dist/arbdesk_VERSION_ARCH.deb                  Debian/Ubuntu: /opt/arbdesk, /usr/bin/arbdesk,
#                                                  a desktop entry and the icon
#
# The .deb's Depends are the system libraries the folder links to and does not carry (libGL,
# libEGL, libxcb, …), found with ldd and mapped to packages with dpkg -S, so it needs a Debian
# or Ubuntu build machine (dpkg-deb, dpkg); the .tar.gz only needs tar.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)"
MACHINE="$(uname -m)"
DIST="$ROOT/dist"
WORK="$ROOT/build/linux"
[[ -n "$VERSION" ]] || { echo "build.sh: no __version__ in app/__init__.py" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }
seconds_since() { echo "$(( $(date +%s) - $1 ))"; }

# -- 1. the folder --------------------------------------------------------------------------
step "PyInstaller: dist/arbdesk (ArbDesk $VERSION)"
t0=$(date +%s)
rm -rf "$DIST/arbdesk"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK/pyinstaller" build.spec
echo "built in $(seconds_since "$t0") s"
BUNDLE="$DIST/arbdesk"
[[ -x "$BUNDLE/arbdesk" ]] || { echo "build.sh: $BUNDLE/arbdesk was not built" >&2; exit 1; }

# -- 2. the .tar.gz -------------------------------------------------------------------------
TARBALL="$DIST/arbdesk-$VERSION-linux-$MACHINE.tar.gz"
step "tar.gz: $(basename "$TARBALL")"
t0=$(date +%s)
rm -f "$TARBALL"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$DIST" -cf - arbdesk \
    | gzip -n -6 > "$TARBALL"
echo "packed in $(seconds_since "$t0") s"

# -- 3. the .deb ----------------------------------------------------------------------------
ARCH="$(dpkg --print-architecture)"
DEB="$DIST/arbdesk_${VERSION}_${ARCH}.deb"
STAGE="$WORK/deb/arbdesk_${VERSION}_${ARCH}"
step "deb: $(basename "$DEB")"
t0=$(date +%s)
rm -rf "$STAGE" "$DEB"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/doc/arbdesk"
cp -a "$BUNDLE" "$STAGE/opt/arbdesk"
ln -s /opt/arbdesk/arbdesk "$STAGE/usr/bin/arbdesk"
install -m 0644 packaging/linux/arbdesk.desktop "$STAGE/usr/share/applications/arbdesk.desktop"
for size in 256 512; do
    icon="resources/icons/arbdesk.png"
    [[ $size == 512 ]] && icon="resources/icons/arbdesk-512.png"
    install -D -m 0644 "$icon" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/arbdesk.png"
done
cat > "$STAGE/usr/share/doc/arbdesk/copyright" <<EOF
ArbDesk $VERSION. Proprietary. Bundled third-party components keep their own licences; the
sample market data's attribution is in /opt/arbdesk/_internal/resources/sample_data/.
EOF

# System libraries the folder links to but does not carry, as the packages that provide them.
# A library missing on this machine is mapped by name (the build does not need a display).
declare -A KNOWN=(
    [libGL.so.1]=libgl1 [libEGL.so.1]=libegl1 [libOpenGL.so.0]=libopengl0
    [libGLX.so.0]=libglx0 [libxcb.so.1]=libxcb1 [libxcb-icccm.so.4]=libxcb-icccm4
    [libxcb-keysyms.so.1]=libxcb-keysyms1 [libwayland-client.so.0]=libwayland-client0
    [libwayland-cursor.so.0]=libwayland-cursor0 [libwayland-egl.so.1]=libwayland-egl1
    [libdrm.so.2]=libdrm2 [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-image.so.0]=libxcb-image0
    [libxcb-render-util.so.0]=libxcb-render-util0 [libxcb-xkb.so.1]=libxcb-xkb1
    [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
)
system_packages() {
    local dirs f line name path pkg
    dirs="$(find "$BUNDLE" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)"
    { find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
        | xargs -0 -n 50 env LD_LIBRARY_PATH="$dirs" ldd 2>/dev/null || true; } \
        | awk '$2 == "=>" && $3 !~ /^\// && $3 != "not" {next} $2 == "=>" {print $1, $3}' \
        | sort -u \
        | while read -r name path; do
            case "$path" in "$BUNDLE"/*) continue ;; esac
            pkg=""
            if [[ "$path" == not ]]; then
                pkg="${KNOWN[$name]:-}"
                [[ -n "$pkg" ]] || echo "build.sh: warning: $name is needed and unknown" >&2
            else
                for f in "$path" "$(readlink -f "$path")" "/usr$path"; do
                    line="$(dpkg -S "$f" 2>/dev/null | head -n1)" && break
                done
                pkg="${line%%:*}"
                [[ -n "$pkg" ]] || pkg="${KNOWN[$name]:-}"
            fi
            [[ -n "$pkg" ]] && echo "$pkg"
        done | sort -u
}
# The newest glibc symbol version any file of the folder uses: the oldest glibc it runs on.
GLIBC_MIN="$({ find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) \
    -exec objdump -T {} + 2>/dev/null || true; } | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n1)"
DEPENDS="$(system_packages | sed "s/^libc6\$/libc6 (>= $GLIBC_MIN)/" | paste -sd, | sed 's/,/, /g')"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<EOF
Package: arbdesk
Version: $VERSION
Section: misc
Priority: optional
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-ArbDesk <packages@arbdesk.invalid>}
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Homepage: https://arbdesk.invalid/
Description: desktop terminal for crypto arbitrage and spread trading
 ArbDesk watches quotes across exchanges, finds cross-exchange, triangular and
 cash-and-carry opportunities, runs bots through a risk engine and an order
 manager, and has one button that stops everything. Paper trading on a
 simulated market is the default; with API keys it trades on any exchange
 that ccxt supports. Installed in /opt/arbdesk; the command is arbdesk.
EOF
# gzip: every dpkg reads it, and it is several times faster to build than xz for this size.
dpkg-deb --build --root-owner-group -Zgzip -z6 "$STAGE" "$DEB" >/dev/null
echo "packed in $(seconds_since "$t0") s; Depends: $DEPENDS"

# -- summary --------------------------------------------------------------------------------
step "done"
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
printf '%-44s %s\n' "dist/arbdesk/ (folder)" "$(mb "$(du -sb "$BUNDLE" | cut -f1)")"
printf '%-44s %s\n' "dist/$(basename "$TARBALL")" "$(mb "$(stat -c %s "$TARBALL")")"
printf '%-44s %s\n' "dist/$(basename "$DEB")" "$(mb "$(stat -c %s "$DEB")")"
echo "runs on glibc $GLIBC_MIN or newer"
