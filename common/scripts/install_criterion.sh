#!/bin/sh
# Makes sure the Criterion test library is installed, installing it through the
# system package manager when it is missing: apt-get (Debian/Ubuntu), brew (macOS),
# dnf (Fedora). Called by `make test`; safe to run again.
CC=${1:-cc}
have_criterion() {
    inc=""; lib=""
    if command -v brew >/dev/null 2>&1; then p=$(brew --prefix); inc="-I$p/include"; lib="-L$p/lib"; fi
    printf '#include <criterion/criterion.h>\nTest(a, b) { cr_assert(1); }\n' |
        $CC $inc -x c - $lib -lcriterion -o /dev/null >/dev/null 2>&1
}
have_criterion && exit 0
echo "Criterion (the C test framework) is missing; installing it..."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcriterion-dev pkg-config
elif command -v brew >/dev/null 2>&1; then
    brew install criterion pkg-config
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y criterion-devel pkgconf
else
    echo "No apt-get, brew or dnf found. Install Criterion by hand (https://github.com/Snaipe/Criterion); see docs/setup.md." >&2
    exit 1
fi
have_criterion && { echo "Criterion installed."; exit 0; }
echo "Criterion still does not compile after installing it; see docs/setup.md (troubleshooting)." >&2
exit 1
