#!/usr/bin/env bash
# Build ArbDesk for macOS: dist/ArbDesk.app and a drag-to-Applications disk image.
#
#   PYTHON=.venv-build/bin/python packaging/macos/build_dmg.sh
#
# PYTHON is an interpreter with the project installed with its build extra
# (pip install -e ".[build]"); default: python3. The image is built for the machine's own
# architecture (arm64 on Apple silicon, x86_64 on Intel): build on each for both.
#
#   dist/ArbDesk.app                           the application bundle
#   dist/ArbDesk-VERSION-macos-ARCH.dmg        the disk image (the app and an Applications link)
#
# Signing (optional; without it the bundle keeps PyInstaller's ad-hoc signature and users open
# it the first time with right click > Open):
#   CODESIGN_IDENTITY="Developer ID Application: Name (TEAMID)"  sign the app and the image
#   NOTARY_PROFILE=profile-name      also notarize the image with `xcrun notarytool` (a profile
#                                    saved with `xcrun notarytool store-credentials`) and staple it
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)"
ARCH="$(uname -m)"
DIST="$ROOT/dist"
WORK="$ROOT/build/macos"
APP="$DIST/ArbDesk.app"
DMG="$DIST/ArbDesk-$VERSION-macos-$ARCH.dmg"
[[ -n "$VERSION" ]] || { echo "build_dmg.sh: no __version__ in app/__init__.py" >&2; exit 1; }
[[ "$(uname -s)" == Darwin ]] || { echo "build_dmg.sh: run this on macOS" >&2; exit 1; }

echo "== PyInstaller: $APP (ArbDesk $VERSION, $ARCH)"
rm -rf "$APP" "$DIST/arbdesk"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK/pyinstaller" build.spec
[[ -x "$APP/Contents/MacOS/arbdesk" ]] || { echo "build_dmg.sh: $APP was not built" >&2; exit 1; }

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    echo "== signing the app as $CODESIGN_IDENTITY"
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
fi

echo "== smoke test of the bundle"
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/arbdesk" selftest

echo "== disk image: $DMG"
STAGE="$WORK/dmg"
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -quiet -volname "ArbDesk $VERSION" -srcfolder "$STAGE" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$DMG"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        echo "== notarizing"
        xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
        xcrun stapler staple "$DMG"
    fi
fi

echo "== done"
du -sh "$APP" "$DMG"
