// A Builder that runs no container: each attempt does what the test says (an outcome at once,
// or waiting until it is aborted). The scheduler around it is the real one.
import type { AttemptOutcome, AttemptRequest, Builder, EngineStatus } from '../../src/builders/builder.ts';

export type Behaviour = (request: AttemptRequest) => Promise<AttemptOutcome>;

export class ScriptedBuilder implements Builder {
  /** Every attempt this engine was given, in order. */
  readonly requests: AttemptRequest[] = [];

  constructor(
    readonly id: string,
    readonly capacity: number,
    public behaviour: Behaviour,
    /** The images the engine has; every image when omitted. */
    readonly images?: readonly string[],
  ) {}

  async checkHealth(image: string): Promise<EngineStatus> {
    const has = this.images === undefined || this.images.includes(image);
    return { id: this.id, capacity: this.capacity, healthy: has, detail: has ? 'ok' : `image ${image} is missing` };
  }

  runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
    this.requests.push(request);
    return this.behaviour(request);
  }

  async fetchEssentialPackages(): Promise<string[]> {
    return [];
  }

  async reapOrphans(): Promise<number> {
    return 0;
  }
}

/** Outcomes for ScriptedBuilder. */
export const outcomes = {
  infrastructure:
    (message = 'the engine fell over'): Behaviour =>
    async () => ({ kind: 'infrastructure', message }),
  buildError: (): Behaviour => async () => ({ kind: 'failed', reason: 'build-error', message: 'it does not compile', provenance: null }),
  /** Runs until the scheduler aborts it (shutdown, lost lease, cancel). */
  untilAborted: (): Behaviour => (request) =>
    new Promise((resolve) => {
      const done = () => resolve({ kind: 'aborted', message: 'the attempt was stopped' });
      if (request.signal?.aborted) done();
      else request.signal?.addEventListener('abort', done, { once: true });
    }),
};
