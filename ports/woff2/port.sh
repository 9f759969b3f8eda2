# ports/woff2/port.sh — woff2 for stubdom.
# Why a port: cmake/FindBrotliDec.cmake and FindBrotliEnc.cmake ask pkg-config for libbrotlidec
# and libbrotlienc, then link the library they find by name alone. A static link also needs
# what those need (libbrotlicommon, their Requires.private), which pkg-config names and the
# image's <triplet>-pkg-config always answers: the woff2 programs failed to link
# (undefined _kBrotliPrefixCodeRanges). Each module now links what pkg-config names as well.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.0.2-2; every edit checks it took.
for part in Dec Enc; do
  upper=$(echo "$part" | tr a-z A-Z)
  file=cmake/FindBrotli$part.cmake
  perl -0pi -e "s/(find_library\(BROTLI${upper}_LIBRARIES\n(?:[^)]*\n)*?\)\n)/\$1list(APPEND BROTLI${upper}_LIBRARIES \\\${PC_BROTLI${upper}_LINK_LIBRARIES}) # stubdom: what a static link needs too\n/" "$file"
  grep -q "^list(APPEND BROTLI${upper}_LIBRARIES \${PC_BROTLI${upper}_LINK_LIBRARIES})" "$file" ||
    { echo "port woff2: find_library(BROTLI${upper}_LIBRARIES …) not found in $file" >&2; exit 1; }
done
