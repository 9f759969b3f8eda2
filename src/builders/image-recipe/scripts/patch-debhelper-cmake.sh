#!/bin/sh
# patch-debhelper-cmake.sh — debhelper's cmake build system only cross-compiles to systems it
# has a CMAKE_SYSTEM_NAME for; stubdom is a bare "Generic" system. Idempotent, and installed
# as an apt hook so a debhelper upgrade inside a container gets the mapping again.
set -eu
pm=/usr/share/perl5/Debian/Debhelper/Buildsystem/cmake.pm
if [ -f "$pm" ] && ! grep -q "'stubdom' => 'Generic'" "$pm"; then
  sed -i "s/^\(my %DEB_HOST2CMAKE_SYSTEM = (\)\$/\1\n\t'stubdom' => 'Generic',/" "$pm"
  grep -q "'stubdom' => 'Generic'" "$pm" || { echo "patch-debhelper-cmake: mapping not added to $pm" >&2; exit 1; }
fi
hook=/etc/apt/apt.conf.d/90stubbuild-debhelper-cmake
if [ ! -f "$hook" ]; then
  echo 'DPkg::Post-Invoke { "sh /usr/lib/stubbuild/patch-debhelper-cmake.sh || true"; };' > "$hook"
fi
