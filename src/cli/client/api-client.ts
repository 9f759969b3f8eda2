// The HTTP API as the CLI client sees it: JSON in and out, problem+json answers turned into
// one line naming the status, the problem and its detail (exit code 2).
import { CliError } from '../cli-error.ts';

export class HttpError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; detail?: string } | undefined,
    what: string,
  ) {
    const kind = problem?.type?.replace(/^urn:stubbuild:problem:/, '');
    super(`${what}: HTTP ${status}${kind ? ` ${kind}` : ''}${problem?.detail ? `: ${problem.detail}` : ''}`, 2);
  }
}

export interface ClientSettings {
  url: string;
  token: string | undefined;
}

export class ApiClient {
  constructor(readonly settings: ClientSettings) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.settings.token ? { authorization: `Bearer ${this.settings.token}` } : {}), ...extra };
  }

  /** The answer to a request, or HttpError for anything but 2xx. */
  async fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.settings.url}${path}`, { ...init, headers: this.headers(init.headers) });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new CliError(`${init.method ?? 'GET'} ${this.settings.url}${path}: ${cause}`, 2);
    }
    if (res.ok) return res;
    const text = await res.text();
    let problem: { type?: string; detail?: string } | undefined;
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      problem = { detail: text.slice(0, 200) };
    }
    throw new HttpError(res.status, problem, `${init.method ?? 'GET'} ${path}`);
  }

  async json<T>(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<T> {
    const res = await this.fetch(path, init);
    return (await res.json()) as T;
  }

  /** POST with a JSON body (or none). */
  post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.json<T>(path, {
      method: 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
      ...(body === undefined ? { headers } : {}),
    });
  }
}

/** What the API answers for a job (GET /v1/jobs/{id}), as far as the client reads it. */
export interface JobDetail {
  id: number;
  state: string;
  origin: string;
  source: string;
  version: string | null;
  suite: string | null;
  reason: string | null;
  submittedBy: string;
  createdAt: string;
  updatedAt: string;
  events: { from: string | null; to: string; actor: string; reason: string | null; at: string }[];
  attempts: {
    number: number;
    engine: string;
    state: string;
    reason: string | null;
    message: string | null;
    startedAt: string;
    finishedAt: string | null;
  }[];
  artifacts: { attempt: number; name: string; kind: string; size: number }[];
  explanation: string | null;
}

/** What the API lists of each job (GET /v1/jobs), as far as the client reads it. */
export type JobSummary = Omit<JobDetail, 'events' | 'attempts' | 'artifacts' | 'explanation'>;

export const finalStates = ['published', 'failed', 'cancelled'];
