// The architectures a service builds for (ARCHES, from their profiles): their names, the
// first being what a job gets when it names none, and dpkg's tables with their rows, for
// Architecture: fields and [arch] restrictions.
import { type ArchRows, ArchTable } from '../debian/architecture.ts';
import { DomainError } from '../domain-error.ts';

export interface BuildArchitectures {
  /** In configured order; never empty. */
  readonly names: readonly string[];
  readonly default: string;
  readonly table: ArchTable;
}

export function createBuildArchitectures(names: readonly string[], rows: readonly ArchRows[]): BuildArchitectures {
  if (names.length === 0) throw new Error('a service builds for at least one architecture');
  return { names, default: names[0]!, table: new ArchTable(rows) };
}

/** The architecture a submission asks for (the default when it names none); 422 when not built here. */
export function resolveBuildArch(arches: BuildArchitectures, requested: string | undefined): string {
  if (requested === undefined) return arches.default;
  if (!arches.names.includes(requested)) {
    throw new DomainError(
      'unsupported-architecture',
      `this service does not build for ${requested}; it builds for ${arches.names.join(', ')}`,
      {
        allowed: [...arches.names],
      },
    );
  }
  return requested;
}
