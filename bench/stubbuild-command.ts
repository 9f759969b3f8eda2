// How the benchmarks start `stubbuild`: as a user does, by executing bin/stubbuild.js, so with the
// settings of its first line. Node refuses some flags in NODE_OPTIONS (--cpu-prof among them);
// with `nodeFlags`, the first line is run by `env -S` with those flags added.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STUBBUILD_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'stubbuild.js');

/** The command and arguments that run `stubbuild ...args`. */
export function stubbuildCommand(args: string[], nodeFlags: string[] = []): [string, string[]] {
  if (nodeFlags.length === 0) return [STUBBUILD_BIN, args];
  if (nodeFlags.some((flag) => /\s/.test(flag))) throw new Error(`node flags must not contain spaces: ${nodeFlags.join(' ')}`);
  const firstLine = readFileSync(STUBBUILD_BIN, 'utf8').split('\n', 1)[0]!;
  const shebang = /^#!(\/usr\/bin\/env) -S (.*\bnode\b.*)$/.exec(firstLine);
  if (!shebang) throw new Error(`${STUBBUILD_BIN}: unexpected first line ${firstLine}`);
  return [shebang[1]!, ['-S', `${shebang[2]!} ${nodeFlags.join(' ')}`, STUBBUILD_BIN, ...args]];
}
