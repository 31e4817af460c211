#!/bin/sh
# run.sh BUILD_DIR SOURCE_DIR SANITIZE - installs the build into a temporary
# prefix, then builds and runs app.c twice: through find_package(Cairn) and
# through pkg-config. Exit status is the test result.
set -eu
build=$1
src=$2
san=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=""
[ "$san" = "address" ] && flags="-fsanitize=address,undefined"
cmake --install "$build" --prefix "$tmp/prefix" --component libcairn >/dev/null
cmake -S "$src/tests/install_app" -B "$tmp/app" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$tmp/app" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/app/app"
libdir=$(find "$tmp/prefix" -name cairn.pc -exec dirname {} \;)
sed -i "s|^prefix=.*|prefix=$tmp/prefix|" "$libdir/cairn.pc"
# shellcheck disable=SC2046
cc $flags -o "$tmp/app-pc" "$src/tests/install_app/app.c" \
  $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs cairn)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/app-pc"
echo "1 passed, 0 failed"
