import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { engineListSchema } from '../builders/engine-config.ts';

// Environment values arrive as strings; these read them as what they mean.
const booleanFromEnv = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
// "90s", "15m", "12h", "1d", "500ms", or plain seconds; read as milliseconds.
const duration = z
  .string()
  .regex(/^[0-9]+(ms|[smhd])?$/, 'must be a number of seconds, or a number followed by ms, s, m, h or d')
  .transform((v) =>
    v.endsWith('ms') ? Number.parseInt(v, 10) : Number.parseInt(v, 10) * ({ s: 1, m: 60, h: 3600, d: 86400 }[v.at(-1) ?? ''] ?? 1) * 1000,
  );
// One line without surrounding blanks: these values are written into the Release file.
const releaseText = z.string().regex(/^\S(.*\S)?$/, 'must be one line without leading or trailing blanks');
/** A variable holding JSON: parsed, or refused as "must be JSON"; the caller pipes it into its shape. */
function jsonText() {
  return z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  });
}

const archName = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)+$/, 'must be a dpkg architecture name such as stubdom-amd64');
const repoSuiteName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/, 'must be letters, digits and . + _ -, starting with a letter or digit');
// No user:password@: a mirror URL reaches logs and the reasons of public jobs.
const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http:// or https:// URL')
  .refine(
    (url) => !/^https?:\/\/[^/]*@/.test(url),
    'must not carry credentials (user:password@): they would show in logs and in the reasons of jobs',
  )
  .transform((url) => url.replace(/\/+$/, ''));
// Suites are words separated by spaces or commas; each names dists/<suite> on its mirror.
const suiteList = z
  .string()
  .transform((value) => value.split(/[\s,]+/).filter((s) => s !== ''))
  .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'suite names are lowercase words such as bookworm-updates')));

// A webhook receiver: http(s), no credentials in the URL (it is listed to admins); loopback allowed.
export const webhookUrl = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http:// or https:// URL')
  .refine((url) => !/^https?:\/\/[^/]*@/.test(url), 'must not carry credentials (user:password@); the secret signs each delivery');

const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('./.stubbuild'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PUBLIC_READS: booleanFromEnv.default(true),
    MAX_JSON_BYTES: positiveInt.default(64 * 1024),
    MAX_UPLOAD_FILE_BYTES: positiveInt.default(512 * 1024 * 1024),
    MAX_UPLOAD_TOTAL_BYTES: positiveInt.default(1024 * 1024 * 1024),
    MAX_UPLOAD_FILES: positiveInt.default(32),
    /** The whole request must arrive within this (Node's requestTimeout); 408 and closed after. */
    REQUEST_TIMEOUT: duration.default(30 * 60_000),
    /** An upload slower than this over UPLOAD_RATE_WINDOW is abandoned (408) and its connection closed. */
    UPLOAD_MIN_BYTES_PER_SECOND: positiveInt.default(1024),
    UPLOAD_RATE_WINDOW: duration.default(30_000),
    /** Uploads one token may stream at once, per service process (429 beyond). */
    MAX_UPLOADS_PER_TOKEN: positiveInt.default(8),
    /** Bytes all uploads together may hold in staging, per service process (413 beyond). */
    MAX_STAGING_BYTES: positiveInt.default(4 * 1024 * 1024 * 1024),
    /** Streams following a running build's log at once, per service process (429 beyond). */
    MAX_LOG_FOLLOWERS: positiveInt.default(64),
    /** Memory for job reads kept serialised until the job changes, per service process (0: none). */
    READ_CACHE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(32 * 1024 * 1024),
    /** A log follower looks at the database this often without a notification (the backstop of LISTEN/NOTIFY). */
    LOG_FOLLOW_POLL: duration.default(5_000),
    /** Receivers of every job state change: JSON list of {url, secret}, added to those of the API. */
    WEBHOOKS: jsonText()
      .pipe(z.array(z.strictObject({ url: webhookUrl, secret: z.string().min(16).max(200) })))
      .optional(),
    /** A webhook receiver must answer within this; otherwise the delivery is tried again later. */
    WEBHOOK_TIMEOUT: duration.default(10_000),
    /** Wait before the first retry of a failed delivery, doubled each further failure (at most an hour). */
    WEBHOOK_BACKOFF: duration.default(10_000),
    /** Tries of one delivery before it is abandoned. */
    WEBHOOK_MAX_ATTEMPTS: positiveInt.default(15),
    // The apt repository (src/repo). Origin, Label, Suite, Codename and Component are fixed
    // once the repository exists: `serve` refuses to start when they change.
    REPO_DIR: z.string().min(1).optional(),
    REPO_SUITE: repoSuiteName.default('stubdom'),
    REPO_CODENAME: repoSuiteName.optional(),
    REPO_COMPONENT: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.+_-]*$/, 'must be a Debian component name')
      .default('main'),
    REPO_ORIGIN: releaseText.default('stubbuild'),
    REPO_LABEL: releaseText.default('stubbuild stubdom-amd64'),
    REPO_DESCRIPTION: releaseText.optional(),
    REPO_SIGNING_KEY: z.string().min(1).optional(),
    REPO_KEEP_VERSIONS: positiveInt.default(1),
    REPO_GRACE_PERIOD: duration.default(86_400_000),
    REPO_AUTH: z.enum(['none', 'basic']).default('none'),
    REPO_XZ: booleanFromEnv.default(true),
    REPO_MAX_UNPACKED_BYTES: positiveInt.default(1024 * 1024 * 1024),
    /** OpenPGP keyring (armored or binary); when set, uploaded .dsc files must be clear-signed by one of its keys. */
    UPLOADER_KEYRING: z.string().min(1).optional(),
    ARCHIVE_MIRROR: httpUrl.default('http://deb.debian.org/debian'),
    ARCHIVE_SECURITY_MIRROR: httpUrl.default('http://deb.debian.org/debian-security'),
    /** Suites served by ARCHIVE_MIRROR; the first is the default of an archive reference. */
    ARCHIVE_SUITES: suiteList.refine((suites) => suites.length > 0, 'list at least one suite').default(['bookworm', 'bookworm-updates']),
    ARCHIVE_SECURITY_SUITES: suiteList.default(['bookworm-security']),
    /**
     * Keyring the archives' InRelease files must be signed with. Unset: Debian's keyring when
     * installed (see src/jobs/archive/archive-settings.ts); set to a missing file: refused at start.
     */
    ARCHIVE_KEYRING: z.string().min(1).optional(),
    /** An archive download that makes no progress for this long is aborted (and retried). */
    ARCHIVE_TIMEOUT_SECONDS: positiveInt.default(30),
    /**
     * The architectures this service builds for, profile names in ARCHES_DIR, space-separated;
     * the first is what a job gets when it names none. ARCH is a one-item alias.
     */
    ARCHES: z
      .string()
      .transform((value) => value.split(/[\s,]+/).filter((s) => s !== ''))
      .pipe(z.array(archName).min(1, 'name at least one architecture profile'))
      .optional(),
    ARCH: archName.optional(),
    ARCHES_DIR: z
      .string()
      .min(1)
      .default(fileURLToPath(new URL('../../arches/', import.meta.url))),
    /** JSON list of Docker engines: [{"id","host","capacity","tls"?}]; default: the local one. */
    BUILDER_ENGINES: jsonText().pipe(engineListSchema).optional(),
    /** `push`: the service copies a profile's builder image to an engine that lacks it (image-delivery.ts). */
    BUILDER_IMAGE_DELIVERY: z.enum(['none', 'push']).default('none'),
    /** The default engine's address when BUILDER_ENGINES is unset, as the docker CLI reads it. */
    DOCKER_HOST: z
      .string()
      .regex(/^(unix|tcp|ssh):\/\//)
      .optional(),
    // The scheduler (src/scheduler): leases on running attempts, retries, fairness.
    /** How often a service process renews the lease of each attempt it runs. */
    SCHEDULER_HEARTBEAT: duration.default(10_000),
    /** A lease not renewed for this long has expired: its job is given back to the queue. */
    SCHEDULER_LEASE: duration.default(60_000),
    /** Infrastructure faults a job may meet; the last one fails it with reason `infrastructure: …`. */
    SCHEDULER_MAX_INFRA_ATTEMPTS: positiveInt.default(3),
    /**
     * An engine whose last K finished attempts were all infrastructure faults is drained; a job
     * whose infrastructure faults happened on K different engines is failed (blamed) instead.
     */
    SCHEDULER_ENGINE_FAILURES: positiveInt.default(3),
    /** Wait before retrying after an infrastructure fault: this, doubled after each further fault. */
    SCHEDULER_BACKOFF: duration.default(60_000),
    /** A waiting job gains one priority point per this much time in the queue (ageing). */
    SCHEDULER_AGEING: duration.default(3_600_000),
    /** Looks for work this often even without a notification (the backstop of LISTEN/NOTIFY). */
    SCHEDULER_POLL: duration.default(2_000),
  })
  .superRefine((config, ctx) => {
    if (config.SCHEDULER_LEASE < 2 * config.SCHEDULER_HEARTBEAT) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEDULER_LEASE'],
        message: 'must be at least twice SCHEDULER_HEARTBEAT, so one late renewal does not lose the lease',
      });
    }
    if (config.ARCH && config.ARCHES && (config.ARCHES.length !== 1 || config.ARCHES[0] !== config.ARCH)) {
      ctx.addIssue({ code: 'custom', path: ['ARCH'], message: `ARCH=${config.ARCH} disagrees with ARCHES; set only ARCHES` });
    }
    if (config.ARCHES && new Set(config.ARCHES).size !== config.ARCHES.length) {
      ctx.addIssue({ code: 'custom', path: ['ARCHES'], message: 'names an architecture twice' });
    }
    if (config.MAX_STAGING_BYTES < config.MAX_UPLOAD_TOTAL_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_STAGING_BYTES'],
        message: 'must be at least MAX_UPLOAD_TOTAL_BYTES, or no largest upload could ever be staged',
      });
    }
    for (const key of [
      'SCHEDULER_HEARTBEAT',
      'SCHEDULER_LEASE',
      'SCHEDULER_AGEING',
      'SCHEDULER_POLL',
      'REQUEST_TIMEOUT',
      'UPLOAD_RATE_WINDOW',
      'LOG_FOLLOW_POLL',
      'WEBHOOK_TIMEOUT',
      'WEBHOOK_BACKOFF',
    ] as const) {
      if (config[key] <= 0) ctx.addIssue({ code: 'custom', path: [key], message: 'must be longer than zero' });
    }
    for (const suite of config.ARCHIVE_SECURITY_SUITES) {
      if (config.ARCHIVE_SUITES.includes(suite)) {
        ctx.addIssue({ code: 'custom', path: ['ARCHIVE_SECURITY_SUITES'], message: `suite ${suite} is also in ARCHIVE_SUITES` });
      }
    }
  });

export type Config = Readonly<
  Omit<z.output<typeof configSchema>, 'DATA_DIR' | 'REPO_DIR' | 'REPO_CODENAME' | 'ARCH' | 'ARCHES'> & {
    DATA_DIR: string;
    REPO_DIR: string;
    REPO_CODENAME: string;
    /** ARCHES, or [ARCH], or the default architecture: never empty. */
    ARCHES: readonly string[];
  }
>;

/** The architecture a service builds for when ARCHES and ARCH are both unset. */
export const DEFAULT_ARCH = 'stubdom-amd64';

/** Every problem with the configuration at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** The path with symbolic links resolved as far as it exists (the rest may be made later). */
function resolvedPath(p: string): string {
  const missing: string[] = [];
  let existing = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** Whether `inner` is `outer` or lies inside it. */
function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Everything under REPO_DIR is served to anyone (`/apt/`) and may be handed to builds: it must
 * not hold the service's state (the admin token, the database) nor the private signing key.
 */
function repoDirProblems(dataDir: string, repoDir: string, keyDir: string): string[] {
  const [data, repo, keys] = [dataDir, repoDir, keyDir].map(resolvedPath) as [string, string, string];
  const problems: string[] = [];
  // One problem is enough: a REPO_DIR around DATA_DIR holds the generated key's folder too.
  if (isWithin(data, repo)) {
    problems.push(
      `REPO_DIR ${repoDir} ${data === repo ? 'is' : 'contains'} DATA_DIR ${dataDir}: the repository is public, DATA_DIR holds the admin token and the database; use a folder of its own (the default is DATA_DIR/repo)`,
    );
  } else if (isWithin(keys, repo) || isWithin(repo, keys)) {
    problems.push(
      `REPO_DIR ${repoDir} ${keys === repo ? 'is' : isWithin(keys, repo) ? 'contains' : 'lies inside'} the signing key's folder ${keyDir}: the repository is public, the private key must not be`,
    );
  }
  return problems;
}

/** Where the repository's signing key is generated when REPO_SIGNING_KEY is not set. */
export function signingKeyDir(dataDir: string): string {
  return path.join(dataDir, 'keys');
}

/** The names of the settings, for the README and `--help`. */
export const configKeys = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

/**
 * Reads the configuration once: flags override the environment. Empty strings count as unset,
 * as a shell's `VAR=` means. The result is frozen and DATA_DIR absolute.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: Partial<Record<(typeof configKeys)[number], string>> = {},
): Config {
  const input: Record<string, string> = {};
  for (const key of configKeys) {
    const value = flags[key] ?? env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`));
  }
  const dataDir = path.resolve(result.data.DATA_DIR);
  const repoDir = result.data.REPO_DIR ? path.resolve(result.data.REPO_DIR) : path.join(dataDir, 'repo');
  const keyDir = result.data.REPO_SIGNING_KEY ? path.dirname(path.resolve(result.data.REPO_SIGNING_KEY)) : signingKeyDir(dataDir);
  const problems = repoDirProblems(dataDir, repoDir, keyDir);
  if (problems.length > 0) throw new ConfigError(problems);
  const { ARCH: arch, ARCHES: arches, ...rest } = result.data;
  return Object.freeze({
    ...rest,
    ARCHES: Object.freeze(arches ?? [arch ?? DEFAULT_ARCH]),
    DATA_DIR: dataDir,
    REPO_DIR: repoDir,
    REPO_CODENAME: result.data.REPO_CODENAME ?? result.data.REPO_SUITE,
  });
}
