# ports/judy/port.sh — judy for stubdom.
# Why a port: the build compiles JudyLTablesGen and Judy1TablesGen with the target's compiler
# and runs them to write the lookup tables (JudyLTables.c, Judy1Tables.c), and a stub-domain
# program does not run on the build machine (Illegal instruction). They are built with the
# build machine's compiler (cc) and the same flags instead: the tables depend only on the word
# size (JU_64BIT, which configure puts in CFLAGS), 64 bits on both. Every flavor (rumprun's
# programs do not run here either).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.0.5-5; every edit checks it took.
for table in L 1; do
  file=src/Judy$table/Makefile.am
  perl -pi -e "s/^\t\\\$\(CC\) (.* -o Judy${table}TablesGen Judy${table}TablesGen\.c;)/\tcc \$1/" "$file"
  grep -q "^	cc \$(INCLUDES) \$(AM_CFLAGS) @CFLAGS@ -o Judy${table}TablesGen Judy${table}TablesGen.c;" "$file" ||
    { echo "port judy: the table generator's rule was not found in $file" >&2; exit 1; }
done
