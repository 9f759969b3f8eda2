// The publishing benchmark's headline in bench/RESULTS.md: stubbuild through its HTTP API
// against aptly, measured in one run, with the goals and whether this run meets them.
import { writeResultsSection } from '../results-section.ts';
import type { Row } from './run.ts';
import { median } from '../median.ts';

export const HTTP_SECTION = 'publish-http';

// Goals, as ratios of medians to aptly's, at 10,000 packages.
const FULL_GOAL = 0.5;
const ADD_ONE_GOAL = 0.1;
const GOAL_SIZE = 10_000;

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const cell = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

export async function writeHttpHeadline(file: string, rows: Row[], meta: Record<string, string>, runs: number): Promise<void> {
  const lines = [
    '## Through the HTTP API, against aptly (the headline)',
    '',
    `\`npx tsx bench/publish/run.ts ${process.argv.slice(2).join(' ')}\` on ${meta.date}; **load average at the start: ${meta['load at start']}** ` +
      `(${meta.cpu}, ${meta.memory}). ${runs} runs of each, interleaved; medians (min–max).`,
    '',
    'stubbuild: a `stubbuild serve` of its own per run, every `.deb` sent in one streamed `POST /v1/admin/packages` ' +
      '(what `stubbuild repo add DIR` sends), timed from the first byte to the answer, which comes once the signed ' +
      'publication is served (Packages, .gz). aptly: `repo create` + `repo add DIR` + `publish repo` (no Contents, no .bz2); ' +
      'add one: `repo add` + `publish update`. The same `.deb`s and key for both.',
    '',
    '| N | database | stubbuild full | aptly full | ratio | stubbuild add one | aptly add one | ratio |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const goals: string[] = [];
  for (const ours of rows.filter((r) => r.tool === 'stubbuild-http')) {
    const theirs = rows.find((r) => r.tool === 'aptly' && r.n === ours.n);
    if (!theirs || ours.full.length === 0 || theirs.full.length === 0) continue;
    const full = median(ours.full) / median(theirs.full);
    const one = median(ours.addOne) / median(theirs.addOne);
    lines.push(
      `| ${ours.n.toLocaleString('en')} | ${ours.database} | ${cell(ours.full)} | ${cell(theirs.full)} | ${full.toFixed(3)} | ${cell(ours.addOne)} | ${cell(theirs.addOne)} | ${one.toFixed(3)} |`,
    );
    const verdict = (ratio: number, goal: number) =>
      ours.n === GOAL_SIZE
        ? `**${ratio <= goal ? 'met' : 'not met'}**`
        : `(${ratio <= goal ? 'within' : 'outside'} it at this size; the goal is set at 10,000)`;
    goals.push(
      `- ${ours.n.toLocaleString('en')} on ${ours.database}: full publish at most ${FULL_GOAL}× aptly's: ${full.toFixed(3)}× — ${verdict(full, FULL_GOAL)}.`,
      `- ${ours.n.toLocaleString('en')} on ${ours.database}: add one at most ${ADD_ONE_GOAL}× aptly's: ${one.toFixed(3)}× — ${verdict(one, ADD_ONE_GOAL)}.`,
    );
  }
  if (!rows.some((r) => r.n === GOAL_SIZE && r.tool === 'stubbuild-http'))
    goals.push(`- This run did not measure ${GOAL_SIZE.toLocaleString('en')} packages: it shows neither goal met nor missed.`);
  lines.push('', '### Goals', '', ...goals);
  await writeResultsSection(file, HTTP_SECTION, lines.join('\n'));
}
