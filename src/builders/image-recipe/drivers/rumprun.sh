#!/bin/sh
# drivers/rumprun.sh TRIPLET — the rumprun flavor's drivers: how the shared wrappers in /usr/bin
# reach rumprun's compilers. Runs in the image, after the toolchain stage (editing this file
# rebuilds no toolchain), and writes /usr/lib/stubdom/$T/{driver.env,gcc-driver,g++-driver,
# debian-paths.specs}.
set -eu
T=$1
root=/usr/lib/stubdom/$T
dest=$root/rumprun
sysroot=$dest/rumprun-x86_64
compile_specs=$sysroot/lib/specs-compile_or_ferment
[ -f "$compile_specs" ] || { echo "rumprun drivers: no $compile_specs (toolchain stage failed?)" >&2; exit 1; }

# rumprun's wrapper always preprocesses apart (-no-integrated-cpp), because its specs put the
# target's header options into cpp_options, which gcc reads only for a separate preprocessor.
# That loses what gcc's integrated preprocessor keeps for the compiler: comments such as
# /* fall through */ (json-c: -Werror=implicit-fallthrough) and where a macro was expanded
# (cjson's tests: -Werror=address inside a macro). So compiling goes to NetBSD's compiler with
# the same options in cpp_unique_options, which the integrated preprocessor reads; rumprun's
# own line, without -Wimplicit-fallthrough=0 (NetBSD's build setting, which leaked into it).
rumprun_cpp=$(sed -n '/^\*cpp_options:$/{n;p;q}' "$compile_specs")
case $rumprun_cpp in
  *'%(old_cpp_options)'*) ;;
  *) echo "rumprun drivers: $compile_specs has no cpp_options line as expected: '$rumprun_cpp'" >&2; exit 1 ;;
esac
target_cpp=$(printf '%s\n' "$rumprun_cpp" | sed -e 's/%(old_cpp_options)/%(rumprun_cpp_unique_options)/' -e 's/ -Wimplicit-fallthrough=0//')

# The architecture's packages, read after rumprun's own specs (every command names them after
# the wrapper's): headers after rumprun's libc and after the package's own -I/-isystem, then
# gcc's own headers (stdalign.h, the x86 intrinsics: rumprun's -nostdinc drops them), then the
# target's view of the arch-independent /usr/include (zlib.h of zlib1g-dev:<arch>; see
# scripts/target-include-view.sh), never /usr/include itself: there a header NetBSD lacks
# (<alloca.h>, <sys/epoll.h>) would be glibc's, and fail further in or, worse, not; libraries after
# the package's own -L, before rumprun's. C++11 includes C99's library, which NetBSD's headers
# hide from C++ under _XOPEN_SOURCE (LLONG_MAX, strtoll: lua5.4) unless _ISOC99_SOURCE is set.
# rumprun's copies of libraries Debian packages (zlib, libpcap, libpci, flex, liby) are not
# built at all (flavors/rumprun/patches/series).
netbsd_gcc() { sed -n "/^[[:space:]]*\\*-$1|/,/;;/s/^[[:space:]]*$2=\"\\(.*\\)\"\$/\\1/p" "$dest/bin/$T-gcc"; }
gcc_include=$("$(netbsd_gcc gcc CC)" -print-file-name=include)
[ -f "$gcc_include/stdalign.h" ] || { echo "rumprun drivers: no stdalign.h in gcc's $gcc_include" >&2; exit 1; }
cat > "$root/debian-paths.specs" <<SPECS
# Written by stubbuild's drivers/rumprun.sh.
%rename cpp_unique_options rumprun_cpp_unique_options
*cpp_unique_options:
$target_cpp -isystem /usr/include/$T %{,c++:-D_ISOC99_SOURCE} -idirafter $gcc_include -idirafter $root/target-include

%rename lib rumprun_lib
*lib:
-L/usr/lib/$T %(rumprun_lib)
SPECS

# Three modes, chosen as rumprun's wrapper chooses (-c, -S, -E compile; anything else links):
#   compile      NetBSD's compiler, the wrapper's options and specs, integrated preprocessor
#   -shared      a relocatable object (ld -r), as the newlib flavor's specs make: the static-only
#                packaging policy drops it. Without the C library (the shared wrappers in
#                /usr/bin already dropped every -l of a -shared command)
#   otherwise    rumprun's wrapper: a program, as a relocatable object with a bake recipe note,
#                and a stub link to test it
for lang in gcc g++; do
  netbsd=$(netbsd_gcc "$lang" CC)
  flags=$(netbsd_gcc "$lang" CFLAGS)
  [ -x "$netbsd" ] || { echo "rumprun drivers: no compiler named for $lang in $dest/bin/$T-gcc" >&2; exit 1; }
  cat > "$root/$lang-driver" <<SH
#!/bin/sh
# Written by stubbuild's drivers/rumprun.sh: rumprun's $T-$lang, except that it compiles with
# gcc's integrated preprocessor and makes a relocatable object for -shared.
mode=program
for arg; do
  case \$arg in
    -c|-S|-E|-M|-MM) mode=compile ;;
    -shared) [ \$mode = compile ] || mode=relocatable ;;
  esac
done
netbsd="$netbsd $flags --sysroot $sysroot -specs=$compile_specs -specs=$root/debian-paths.specs"
case \$mode in
  compile) exec \$netbsd "\$@" ;;
  relocatable)
    for arg; do shift; [ "\$arg" = -shared ] || set -- "\$@" "\$arg"; done
    exec \$netbsd -r -nostdlib "\$@" ;;
  *) exec $dest/bin/$T-$lang -specs=$root/debian-paths.specs "\$@" ;;
esac
SH
  chmod 0755 "$root/$lang-driver"
done

cat > "$root/driver.env" <<ENV
# Sourced by the shared wrappers in /usr/bin/$T-*.
CC_DRIVER="$root/gcc-driver"
CXX_DRIVER="$root/g++-driver"
# the host's cpp, which rumprun's compilers call underneath: it reads standard input by default
CPP_DRIVER="/usr/bin/x86_64-linux-gnu-cpp-$(gcc -dumpversion) --sysroot $sysroot -specs=$compile_specs -specs=$root/debian-paths.specs"
# -shared is handled by the drivers above (a relocatable object), not refused by the wrapper
SHARED_OBJECTS=relocatable
# the folders a link searches: the architecture's packages, then rumprun's libraries
# (debian-paths.specs; -print-search-dirs)
LIBRARY_DIRS="/usr/lib/$T/:$sysroot/lib/"
BINUTILS_PREFIX=$dest/bin/$T-
GCC_AR_PREFIX=/usr/bin/x86_64-linux-gnu-gcc-
GCC_AR_SUFFIX=-$(gcc -dumpversion)
EXTRA_PROGRAMS="$dest/bin/rumprun-bake $dest/bin/$T-cookfs"
ENV
