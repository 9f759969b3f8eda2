// Why a build failed, in a buildd fail log's words: a class and the first line that says it.
// Read from the build log as dpkg-buildpackage, debhelper, autoconf, CMake, meson, make, gcc
// and ld print it, so a list of failures reads without opening each log.

import type { CauseClass } from '../jobs/cause-class.ts';

export interface FailureCause {
  causeClass: CauseClass;
  /** The first line of the log that says what went wrong (trimmed, at most 300 characters);
   * empty when the log does not say, and the builder's own message is all there is. */
  line: string;
}

interface Rule {
  causeClass: CauseClass;
  pattern: RegExp;
}

// Most specific first: a line may match several (a missing .so is also a dh_install error).
const RULES: Rule[] = [
  // The stubdom target is static only: the driver refuses -shared, packaging misses *.so files.
  {
    causeClass: 'shared-library',
    pattern:
      /-shared is not supported|error: .*\blib[\w+.-]*\.so(\.\d+)*\b|missing files?.*\.so\b|\.so(\.\d+)*: No such file|cannot find -l\S+.*shared|relocation .* can not be used when making a shared object|\bdh_makeshlibs: error\b/,
  },
  {
    causeClass: 'missing-build-dependency',
    pattern:
      /Unmet build dependencies|but it is not (installable|going to be installed)|Unable to satisfy|unable to find package|Package '.*' not found|Could not find a package configuration file|Dependency .* not found|checking for .*\.\.\. no.*\n?.*configure: error: .*(required|not found)|No package '[^']+' found/,
  },
  {
    causeClass: 'configure',
    pattern:
      /configure: error:|CMake Error|meson\.build:\d+:\d+: ERROR|^ERROR: .*meson|dh_auto_configure: error|Could not detect|config\.status: error/,
  },
  {
    causeClass: 'link',
    pattern:
      /undefined reference to|ld: cannot find|collect2: error: ld returned|multiple definition of|ld returned \d+ exit status|relocation truncated/,
  },
  {
    causeClass: 'compile',
    pattern: /^[^\s:][^:]*:\d+(:\d+)?: (fatal )?error: |: fatal error: |error: #error|internal compiler error|\berror: unknown type name\b/,
  },
  {
    causeClass: 'test',
    pattern: /^(FAIL|ERROR):? |tests? failed|Test suite failed|dh_auto_test: error|make(\[\d+\])?: \*\*\* \[[^\]]*(check|test)[^\]]*\]/,
  },
  {
    causeClass: 'packaging',
    pattern:
      /^dh_\w+: error|^dpkg-(gencontrol|shlibdeps|source|genchanges|deb|buildpackage): error|dh_missing|cannot stat 'debian\/|debian\/rules:\d+: .*Error|^E: |dpkg-deb: error/,
  },
];

// The checks the builder runs on a build's results (after dpkg-buildpackage succeeded) name
// their class in their message: the log before them shows no error, or only warnings.
const RESULT_CHECK = /^(shared-library): ([^]+)$/;

// Lines that look like errors but only report one found elsewhere.
const ECHOES =
  /^make(\[\d+\])?: \*\*\* \[.*\] Error \d+$|^dpkg-buildpackage: error: (debian\/rules|fakeroot debian\/rules) .* subprocess returned exit status|^stubbuild-build: |^make: \*\*\* \[debian\/rules:\d+: (binary|build)(-arch|-indep)?\] Error/;

function clean(line: string): string {
  // eslint-disable-next-line no-control-regex -- colour codes of gcc and cmake
  const text = line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * The cause of a failed build from its log. `reason` is what the builder said (timeout,
 * dependency-error, …); a build error is read from the log, first meaningful line first,
 * unless the builder's `message` is one of its result checks.
 */
export function classifyBuildFailure(log: string, reason: string, message = ''): FailureCause {
  const checked = reason === 'build-error' ? RESULT_CHECK.exec(message) : null;
  if (checked) return { causeClass: checked[1] as CauseClass, line: clean(checked[2]!) };
  const lines = log.split('\n').map(clean);
  const first = (classes: readonly CauseClass[]): FailureCause | undefined => {
    for (const line of lines) {
      if (line === '' || ECHOES.test(line)) continue;
      const rule = RULES.find((r) => classes.includes(r.causeClass) && r.pattern.test(line));
      if (rule) return { causeClass: rule.causeClass, line };
    }
    return undefined;
  };
  switch (reason) {
    case 'timeout':
    case 'no-output':
      return { causeClass: 'timeout', line: '' };
    case 'ownership':
      return { causeClass: 'ownership', line: '' };
    case 'dependency-error':
      return first(['missing-build-dependency']) ?? { causeClass: 'missing-build-dependency', line: '' };
    case 'source-error':
    case 'port-error':
      return first(['packaging']) ?? { causeClass: 'packaging', line: '' };
    default:
  }
  // Earliest line of any class wins: later errors are usually consequences of the first.
  return first(RULES.map((r) => r.causeClass)) ?? { causeClass: 'other', line: '' };
}
