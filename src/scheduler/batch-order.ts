// The order of a batch: a member waits for another when its build-dependencies, as a cross
// build for the host architecture with the profile's build profiles sees them, name a binary
// package the other member's .dsc declares (`Binary:`). Pure: no database, no files.
import { DebianParseError } from '../debian/parse-error.ts';
import { parseRelations, reduceRelations, type ReduceOptions, type Relation } from '../debian/relations.ts';
import { versionSatisfies } from '../debian/version.ts';
import { DomainError } from '../domain-error.ts';

export interface BatchMember {
  source: string;
  version: string | null;
  /** `Binary:` of the .dsc; unknown (null) for an archive reference not fetched yet. */
  binaries: readonly string[] | null;
  buildDepends: string;
  buildDependsArch: string;
}

export interface MemberWait {
  /** Index of the member waited for. */
  on: number;
  /** The relation stored on the waiting job: the binary at the other member's version or newer. */
  relation: string;
}

export interface BatchOrder {
  /** Per member (same index), what it waits for; empty when it can start at once. */
  waits: MemberWait[][];
  /** Member indexes, every member after the members it waits for. */
  order: number[];
}

function relationsOf(member: BatchMember, options: ReduceOptions): Relation[][] {
  try {
    return reduceRelations([...parseRelations(member.buildDepends), ...parseRelations(member.buildDependsArch)], options);
  } catch (error) {
    // The intake already refused .dsc files whose relations do not parse.
    if (error instanceof DebianParseError) return [];
    throw error;
  }
}

/** Whether the other member's version can satisfy the alternative's own constraint. */
function memberFits(relation: Relation, version: string | null): boolean {
  if (!relation.version || version === null) return true;
  return versionSatisfies(version, relation.version.op, relation.version.version);
}

function label(member: BatchMember): string {
  return member.version ? `${member.source} ${member.version}` : member.source;
}

/**
 * What each member waits for, and an order that respects it. A cycle is refused
 * (DomainError dependency-cycle) naming its members; so is a binary declared by two members.
 * In each build-dependency, the first alternative another member builds decides; `:native`
 * alternatives never do (the service builds only for the host architecture).
 */
export function orderBatch(members: readonly BatchMember[], options: ReduceOptions): BatchOrder {
  const owner = new Map<string, number>();
  members.forEach((member, index) => {
    for (const binary of member.binaries ?? []) {
      const other = owner.get(binary);
      if (other !== undefined && other !== index) {
        throw new DomainError(
          'invalid-batch',
          `binary package ${binary} is declared by two members: ${label(members[other]!)} and ${label(member)}`,
          {
            binary,
          },
        );
      }
      owner.set(binary, index);
    }
  });

  const waits: MemberWait[][] = members.map((member, index) => {
    const found = new Map<number, MemberWait>();
    for (const group of relationsOf(member, options)) {
      for (const alternative of group) {
        const on = owner.get(alternative.name);
        if (on === undefined || on === index || alternative.archQualifier === 'native') continue;
        const other = members[on]!;
        if (!memberFits(alternative, other.version)) continue;
        // Waiting for the member's own build, not for an older one already published.
        const relation = other.version ? `${alternative.name} (>= ${other.version})` : alternative.name;
        if (!found.has(on)) found.set(on, { on, relation });
        break;
      }
    }
    return [...found.values()];
  });

  // Depth-first, dependencies first; a member met again while still on the path closes a cycle.
  const state = new Array<'new' | 'open' | 'done'>(members.length).fill('new');
  const order: number[] = [];
  const path: number[] = [];
  const visit = (index: number): void => {
    state[index] = 'open';
    path.push(index);
    for (const wait of waits[index]!) {
      if (state[wait.on] === 'open') {
        const cycle = path.slice(path.indexOf(wait.on));
        const steps = cycle.map((m, i) => {
          const next = cycle[(i + 1) % cycle.length]!;
          const needs = waits[m]!.find((w) => w.on === next)!.relation;
          return `${label(members[m]!)} needs ${needs} from ${members[next]!.source}`;
        });
        throw new DomainError(
          'dependency-cycle',
          `the batch cannot be ordered: its members build-depend on each other in a cycle: ${steps.join('; ')}`,
          { cycle: cycle.map((m) => ({ source: members[m]!.source, version: members[m]!.version })) },
        );
      }
      if (state[wait.on] === 'new') visit(wait.on);
    }
    path.pop();
    state[index] = 'done';
    order.push(index);
  };
  members.forEach((_member, index) => {
    if (state[index] === 'new') visit(index);
  });
  return { waits, order };
}
