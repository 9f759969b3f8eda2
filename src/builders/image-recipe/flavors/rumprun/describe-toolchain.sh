#!/bin/sh
# describe-toolchain.sh TRIPLET DEST ORIGIN — flavor rumprun, after build-toolchain.sh: how the
# shared wrappers reach rumprun's drivers, and what the toolchain is (build provenance).
set -eu
T=$1 dest=$2 origin=$3
here=$(dirname "$0")
root=/usr/lib/stubdom/$T

ln -sfn rumprun/rumprun-x86_64/include "$root/include"
ln -sfn rumprun/rumprun-x86_64/lib "$root/lib"

# The architecture's packages, through a specs file read after rumprun's own (its wrapper puts
# its -specs before ours): headers after rumprun's libc and after the package's own -I/-isystem,
# then the arch-independent /usr/include last (zlib.h of zlib1g-dev:<arch> lives there);
# libraries after the package's own -L, before rumprun's. rumprun's copies of libraries Debian
# packages (zlib, libpcap, libpci, flex, liby) are not built at all (patches/series).
cat > "$root/debian-paths.specs" <<SPECS
# Written by stubbuild's flavors/rumprun/describe-toolchain.sh.
%rename cpp_options rumprun_cpp_options
*cpp_options:
%(rumprun_cpp_options) -isystem /usr/include/$T -idirafter /usr/include

%rename lib rumprun_lib
*lib:
-L/usr/lib/$T %(rumprun_lib)
SPECS

# -shared: rumprun's wrapper would link a whole program and test-link it as one (and fail for a
# library). A static-only target makes a relocatable object instead (ld -r, as the newlib flavor's
# specs do; the static-only packaging policy drops it): NetBSD's compiler underneath the wrapper,
# with the wrapper's compile options, without the C library and its companions.
for lang in gcc g++; do
  netbsd=$(sed -n 's/^[[:space:]]*CC="\(.*\)"$/\1/p' "$dest/bin/$T-$lang" | head -n 1)
  [ -x "$netbsd" ] || { echo "rumprun: no compiler named in $dest/bin/$T-$lang" >&2; exit 1; }
  cat > "$root/$lang-driver" <<SH
#!/bin/sh
# Written by stubbuild's flavors/rumprun/describe-toolchain.sh: rumprun's $T-$lang, except -shared.
for arg; do [ "\$arg" = -shared ] && exec_relocatable=yes; done
[ -n "\${exec_relocatable:-}" ] || exec $dest/bin/$T-$lang -specs=$root/debian-paths.specs "\$@"
for arg; do shift; case \$arg in -shared|-lc|-lm|-lpthread|-ldl) ;; *) set -- "\$@" "\$arg" ;; esac; done
exec $netbsd -mno-red-zone -no-integrated-cpp --sysroot $dest/rumprun-x86_64 \\
  -specs=$dest/rumprun-x86_64/lib/specs-compile_or_ferment -specs=$root/debian-paths.specs -r -nostdlib "\$@"
SH
  chmod 0755 "$root/$lang-driver"
done

cat > "$root/driver.env" <<ENV
# Sourced by the shared wrappers in /usr/bin/$T-*.
CC_DRIVER="$root/gcc-driver"
CXX_DRIVER="$root/g++-driver"
CPP_DRIVER="$dest/bin/$T-gcc -E -specs=$root/debian-paths.specs"
# -shared is handled by the drivers above (a relocatable object), not refused by the wrapper
SHARED_OBJECTS=relocatable
BINUTILS_PREFIX=$dest/bin/$T-
GCC_AR_PREFIX=/usr/bin/x86_64-linux-gnu-gcc-
GCC_AR_SUFFIX=-$(gcc -dumpversion)
EXTRA_PROGRAMS="$dest/bin/rumprun-bake $dest/bin/$T-cookfs"
ENV

version() { dpkg-query -W -f '${Version}' "$1"; }
jq -n --arg flavor rumprun --arg triplet "$T" --arg origin "$origin" \
  --arg gcc "$(version "gcc-$(gcc -dumpversion)")" --arg binutils "$(version binutils)" \
  '{flavor: $flavor, triplet: $triplet, platforms: ["xen", "hw"],
    components: {rumprun: $origin, gcc: $gcc, binutils: $binutils}}' \
  > "$root/toolchain.json"
echo "rumprun: $(du -sh "$dest" | cut -f1) in $dest"
