// How the benchmarks start `stubbuild`: as a user does, by executing bin/stubbuild.js, so with the
// node flags of its first line. Node refuses some flags in NODE_OPTIONS (--cpu-prof among them);
// with `nodeFlags`, node is started directly with the first line's flags and those.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STUBBUILD_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'stubbuild.js');

/** The command and arguments that run `stubbuild ...args`. */
export function stubbuildCommand(args: string[], nodeFlags: string[] = []): [string, string[]] {
  if (nodeFlags.length === 0) return [STUBBUILD_BIN, args];
  const firstLine = readFileSync(STUBBUILD_BIN, 'utf8').split('\n', 1)[0]!;
  const shebang = /^#!\/usr\/bin\/env -S node((?:\s+--\S+)*)\s*$/.exec(firstLine);
  if (!shebang) throw new Error(`${STUBBUILD_BIN}: unexpected first line ${firstLine}`);
  return [process.execPath, [...shebang[1]!.split(/\s+/).filter(Boolean), ...nodeFlags, STUBBUILD_BIN, ...args]];
}
