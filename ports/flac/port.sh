# ports/flac/port.sh — flac for stubdom, newlib only (rumprun builds it unported).
# Why a port: configure finds clock_gettime (AC_CHECK_LIB(rt, clock_gettime)) and then
# microbench/util.c times itself with CLOCK_PROCESS_CPUTIME_ID, which newlib (Mini-OS) does not
# define: the build stops there. The benchmark is not shipped, and its other branch uses
# gettimeofday, so configure is told clock_gettime is not in -lrt. Nothing else in flac looks
# at HAVE_CLOCK_GETTIME.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.4.2+ds-2; every edit checks it took.
perl -pi -e 's/^(\t\t--disable-silent-rules)$/$1 \\\n\t\tac_cv_lib_rt_clock_gettime=no/' debian/rules
grep -q '^		ac_cv_lib_rt_clock_gettime=no$' debian/rules || { echo "port flac: --disable-silent-rules not found in debian/rules" >&2; exit 1; }
