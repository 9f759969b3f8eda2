// Debian architecture names, their dpkg tuples (abi-libc-os-cpu) and wildcard matching.
//
// The tables below are copied from dpkg 1.21.22 (/usr/share/dpkg/{cputable,ostable,
// tupletable}) rather than read at run time: src/debian does no I/O, and builders must
// agree on the answer whatever dpkg the service host happens to have. The expansion and
// matching rules mirror Dpkg::Arch (read_tupletable, debarch_is, debwildcard_to_debtuple).
import { DebianParseError } from './parse-error.ts';

export interface ArchTuple {
  abi: string;
  libc: string;
  os: string;
  cpu: string;
  /** GNU system type, e.g. x86_64-linux-gnu; undefined when dpkg has none for the tuple. */
  gnuTriplet: string | undefined;
}

// cputable: Debian CPU name, GNU CPU name.
const CPUS: ReadonlyArray<readonly [string, string]> = [
  ['alpha', 'alpha'],
  ['amd64', 'x86_64'],
  ['arc', 'arc'],
  ['armeb', 'armeb'],
  ['arm', 'arm'],
  ['arm64', 'aarch64'],
  ['avr32', 'avr32'],
  ['hppa', 'hppa'],
  ['loong64', 'loongarch64'],
  ['i386', 'i686'],
  ['ia64', 'ia64'],
  ['m32r', 'm32r'],
  ['m68k', 'm68k'],
  ['mips', 'mips'],
  ['mipsel', 'mipsel'],
  ['mipsr6', 'mipsisa32r6'],
  ['mipsr6el', 'mipsisa32r6el'],
  ['mips64', 'mips64'],
  ['mips64el', 'mips64el'],
  ['mips64r6', 'mipsisa64r6'],
  ['mips64r6el', 'mipsisa64r6el'],
  ['nios2', 'nios2'],
  ['or1k', 'or1k'],
  ['powerpc', 'powerpc'],
  ['powerpcel', 'powerpcle'],
  ['ppc64', 'powerpc64'],
  ['ppc64el', 'powerpc64le'],
  ['riscv64', 'riscv64'],
  ['s390', 's390'],
  ['s390x', 's390x'],
  ['sh3', 'sh3'],
  ['sh3eb', 'sh3eb'],
  ['sh4', 'sh4'],
  ['sh4eb', 'sh4eb'],
  ['sparc', 'sparc'],
  ['sparc64', 'sparc64'],
  ['tilegx', 'tilegx'],
];

// ostable: Debian abi-libc-os, GNU system part.
const OSES: ReadonlyArray<readonly [string, string]> = [
  ['eabi-uclibc-linux', 'linux-uclibceabi'],
  ['base-uclibc-linux', 'linux-uclibc'],
  ['eabihf-musl-linux', 'linux-musleabihf'],
  ['base-musl-linux', 'linux-musl'],
  ['eabihf-gnu-linux', 'linux-gnueabihf'],
  ['eabi-gnu-linux', 'linux-gnueabi'],
  ['abin32-gnu-linux', 'linux-gnuabin32'],
  ['abi64-gnu-linux', 'linux-gnuabi64'],
  ['spe-gnu-linux', 'linux-gnuspe'],
  ['x32-gnu-linux', 'linux-gnux32'],
  ['ilp32-gnu-linux', 'linux-gnu_ilp32'],
  ['base-gnu-linux', 'linux-gnu'],
  ['eabihf-gnu-kfreebsd', 'kfreebsd-gnueabihf'],
  ['base-gnu-kfreebsd', 'kfreebsd-gnu'],
  ['base-gnu-knetbsd', 'knetbsd-gnu'],
  ['base-gnu-kopensolaris', 'kopensolaris-gnu'],
  ['base-gnu-hurd', 'gnu'],
  ['base-bsd-darwin', 'darwin'],
  ['base-bsd-dragonflybsd', 'dragonflybsd'],
  ['base-bsd-freebsd', 'freebsd'],
  ['base-bsd-netbsd', 'netbsd'],
  ['base-bsd-openbsd', 'openbsd'],
  ['base-sysv-aix', 'aix'],
  ['base-sysv-solaris', 'solaris'],
  ['eabi-uclibc-uclinux', 'uclinux-uclibceabi'],
  ['base-uclibc-uclinux', 'uclinux-uclibc'],
  ['base-tos-mint', 'mint'],
];

// tupletable: Debian tuple, Debian architecture name; <cpu> expands over CPUS.
const TUPLES: ReadonlyArray<readonly [string, string]> = [
  ['eabi-uclibc-linux-arm', 'uclibc-linux-armel'],
  ['base-uclibc-linux-<cpu>', 'uclibc-linux-<cpu>'],
  ['eabihf-musl-linux-arm', 'musl-linux-armhf'],
  ['base-musl-linux-<cpu>', 'musl-linux-<cpu>'],
  ['ilp32-gnu-linux-arm64', 'arm64ilp32'],
  ['eabihf-gnu-linux-arm', 'armhf'],
  ['eabi-gnu-linux-arm', 'armel'],
  ['abin32-gnu-linux-mips64r6el', 'mipsn32r6el'],
  ['abin32-gnu-linux-mips64r6', 'mipsn32r6'],
  ['abin32-gnu-linux-mips64el', 'mipsn32el'],
  ['abin32-gnu-linux-mips64', 'mipsn32'],
  ['abi64-gnu-linux-mips64r6el', 'mips64r6el'],
  ['abi64-gnu-linux-mips64r6', 'mips64r6'],
  ['abi64-gnu-linux-mips64el', 'mips64el'],
  ['abi64-gnu-linux-mips64', 'mips64'],
  ['spe-gnu-linux-powerpc', 'powerpcspe'],
  ['x32-gnu-linux-amd64', 'x32'],
  ['base-gnu-linux-<cpu>', '<cpu>'],
  ['eabihf-gnu-kfreebsd-arm', 'kfreebsd-armhf'],
  ['base-gnu-kfreebsd-<cpu>', 'kfreebsd-<cpu>'],
  ['base-gnu-knetbsd-<cpu>', 'knetbsd-<cpu>'],
  ['base-gnu-kopensolaris-<cpu>', 'kopensolaris-<cpu>'],
  ['base-gnu-hurd-<cpu>', 'hurd-<cpu>'],
  ['base-bsd-dragonflybsd-<cpu>', 'dragonflybsd-<cpu>'],
  ['base-bsd-freebsd-<cpu>', 'freebsd-<cpu>'],
  ['base-bsd-openbsd-<cpu>', 'openbsd-<cpu>'],
  ['base-bsd-netbsd-<cpu>', 'netbsd-<cpu>'],
  ['base-bsd-darwin-<cpu>', 'darwin-<cpu>'],
  ['base-sysv-aix-<cpu>', 'aix-<cpu>'],
  ['base-sysv-solaris-<cpu>', 'solaris-<cpu>'],
  ['eabi-uclibc-uclinux-arm', 'uclinux-armel'],
  ['base-uclibc-uclinux-<cpu>', 'uclinux-<cpu>'],
  ['base-tos-mint-m68k', 'mint-m68k'],
];

/**
 * Rows an architecture profile adds to dpkg's tables (arches/*.json `dpkg`): an ostable row
 * "<debian-os-tuple> <gnu-os> <regex>" and a tupletable row "<debian-tuple> <arch>", e.g.
 * "base-newlib-stubdom xen-elf xen-elf" and "base-newlib-stubdom-<cpu> <arch>" (the rows of arches/*.json).
 */
export interface ArchRows {
  ostable: string;
  tupletable: string;
}

const ARCH_NAME = /^[a-z0-9][a-z0-9-]*$/;

function parseRows(rows: readonly ArchRows[]): { oses: [string, string][]; tuples: [string, string][] } {
  const oses: [string, string][] = [];
  const tuples: [string, string][] = [];
  for (const row of rows) {
    const [os, gnu] = row.ostable.trim().split(/\s+/);
    const [tuple, arch] = row.tupletable.trim().split(/\s+/);
    if (!os || !gnu || !tuple || !arch || !ARCH_NAME.test(arch)) {
      throw new DebianParseError('architecture', `not a dpkg ostable/tupletable row pair: ${JSON.stringify(row)}`);
    }
    oses.push([os, gnu]);
    tuples.push([tuple, arch]);
  }
  return { oses, tuples };
}
/** True for a syntactically valid architecture name or wildcard (lowercase, as policy asks). */
export function isValidArchName(name: string): boolean {
  return ARCH_NAME.test(name);
}

function splitTuple(tuple: string): [string, string, string, string] | undefined {
  const parts = tuple.split('-');
  if (parts.length !== 4) return undefined;
  const [abi = '', libc = '', os = '', cpu = ''] = parts;
  return [abi, libc, os, cpu];
}

// Perl's split /-/, $s, 4: at most four fields, the last one keeps any further hyphens.
function splitAtMostFour(s: string): string[] {
  const parts = s.split('-');
  return parts.length <= 4 ? parts : [...parts.slice(0, 3), parts.slice(3).join('-')];
}

/**
 * dpkg's architecture tables, with the partial architectures of the profiles a service builds
 * for (dpkg does not know them; the builder images teach it the same rows). Answers what
 * dpkg-architecture answers.
 */
export class ArchTable {
  private readonly archToTuple = new Map<string, string>();
  private readonly tupleToArch = new Map<string, string>();
  private readonly gnuCpu = new Map<string, string>(CPUS);
  private readonly gnuOs: Map<string, string>;
  private readonly known: readonly string[];

  constructor(partial: readonly ArchRows[] = []) {
    const extra = parseRows(partial);
    this.gnuOs = new Map<string, string>([...OSES, ...extra.oses]);
    // Same precedence as dpkg: explicit rows always win, <cpu> rows only fill gaps.
    for (const [tuple, arch] of [...TUPLES, ...extra.tuples]) {
      if (tuple.includes('<cpu>')) {
        for (const [cpu] of CPUS) {
          const t = tuple.replace('<cpu>', cpu);
          const a = arch.replace('<cpu>', cpu);
          if (this.archToTuple.has(a) || this.tupleToArch.has(t)) continue;
          this.archToTuple.set(a, t);
          this.tupleToArch.set(t, a);
        }
      } else {
        this.archToTuple.set(arch, tuple);
        this.tupleToArch.set(tuple, arch);
      }
    }
    // dpkg's "valid" architectures: every ostable row crossed with every CPU that has a name.
    this.known = Object.freeze(
      [...OSES, ...extra.oses].flatMap(([os]) =>
        CPUS.flatMap(([cpu]) => {
          const arch = this.tupleToArch.get(`${os}-${cpu}`);
          return arch === undefined ? [] : [arch];
        }),
      ),
    );
  }

  /** Every architecture dpkg 1.21.22 lists with `dpkg-architecture -L`, then the partial ones. */
  knownArchitectures(): readonly string[] {
    return this.known;
  }

  /** The tuple of a concrete architecture, or undefined when it is not known. */
  archTuple(arch: string): ArchTuple | undefined {
    // dpkg still resolves the old "linux-<arch>" spelling to <arch>.
    const linux = /^linux-([^-]*)/.exec(arch);
    const name = linux ? (linux[1] ?? '') : arch;
    const tuple = this.archToTuple.get(name);
    const parts = tuple === undefined ? undefined : splitTuple(tuple);
    if (!parts) return undefined;
    const [abi, libc, os, cpu] = parts;
    const gnuCpuName = this.gnuCpu.get(cpu);
    const gnuOsName = this.gnuOs.get(`${abi}-${libc}-${os}`);
    const gnuTriplet = gnuCpuName !== undefined && gnuOsName !== undefined ? `${gnuCpuName}-${gnuOsName}` : undefined;
    return { abi, libc, os, cpu, gnuTriplet };
  }

  /** Like archTuple, but a DebianParseError for an unknown architecture. */
  requireArchTuple(arch: string): ArchTuple {
    const tuple = this.archTuple(arch);
    if (!tuple) throw new DebianParseError('architecture', `unknown architecture ${JSON.stringify(arch)}`);
    return tuple;
  }

  // dpkg's debwildcard_to_debtuple: a pattern with an "any" part is padded with "any" on the
  // left (linux-any = any-any-linux-any); a pattern without one names a single architecture.
  private patternTuple(pattern: string): string[] | undefined {
    const parts = splitAtMostFour(pattern);
    if (parts.includes('any')) {
      return [...Array<string>(4 - parts.length).fill('any'), ...parts];
    }
    const tuple = this.archTuple(pattern);
    return tuple ? [tuple.abi, tuple.libc, tuple.os, tuple.cpu] : undefined;
  }

  /** True for "any" or a pattern with an "any" part, as dpkg's debarch_is_wildcard. */
  isArchWildcard(pattern: string): boolean {
    if (pattern === 'all') return false;
    return this.patternTuple(pattern)?.some((part) => part === 'any') ?? false;
  }

  /**
   * Does the concrete architecture `arch` match `pattern` (any, all, a name, linux-any,
   * any-amd64, gnu-linux-any, base-gnu-linux-any, ...)? Same answer as
   * `dpkg-architecture -a<arch> -i<pattern>`.
   */
  archMatches(arch: string, pattern: string): boolean {
    if (pattern === arch || pattern === 'any') return true;
    const real = this.archTuple(arch);
    const wanted = this.patternTuple(pattern);
    if (!real || !wanted || wanted.length !== 4) return false;
    const have = [real.abi, real.libc, real.os, real.cpu];
    return wanted.every((part, i) => part === 'any' || part === have[i]);
  }

  /**
   * May a source whose .dsc says `Architecture: <archField>` be built for `host`? "all" only
   * names architecture-independent packages, so on its own it never allows an arch build.
   */
  archListAllows(archField: readonly string[], host: string): boolean {
    return archField.some((pattern) => pattern !== 'all' && this.archMatches(host, pattern));
  }
}

/** dpkg's own architectures, none of ours. */
export const dpkgArchitectures = new ArchTable();
