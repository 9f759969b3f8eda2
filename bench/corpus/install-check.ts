// Run by bench/corpus/run.ts after the corpus: every -dev package the repository publishes must
// install from it (apt-get install --simulate, one package at a time, so each failure is named),
// in a fresh builder container whose apt sees only the repository and the image's own packages.
// A -dev package naming one the policy did not build (libbz2-dev's libbz2-1.0 once) published
// fine and was then of no use to the next build.
import { type RepoContainer, runAgainstRepo } from './repo-container.ts';

export async function installCheck(
  opts: RepoContainer,
): Promise<{ ok: boolean; checked: number; uninstallable: string[]; output: string }> {
  const packages = `/srv/stubdom-repo/dists/${opts.suite}/main/binary-${opts.arch}/Packages`;
  const { code, output } = await runAgainstRepo(opts, [
    `awk '/^Package: .*-dev$/ { print $2 }' ${packages} | sort -u > /tmp/dev`,
    'echo "checked: $(wc -l < /tmp/dev)"',
    `while read -r p; do apt-get install --simulate -q "$p:${opts.arch}" > /tmp/apt 2>&1 || { echo "uninstallable: $p"; grep -E 'Depends:|^E:' /tmp/apt | sed 's/^ */  /'; }; done < /tmp/dev`,
  ]);
  const checked = Number(output.match(/^checked: (\d+)$/m)?.[1] ?? 0);
  const uninstallable = [...output.matchAll(/^uninstallable: (\S+)$/gm)].map((match) => match[1] as string);
  return { ok: code === 0 && checked > 0 && uninstallable.length === 0, checked, uninstallable, output };
}
