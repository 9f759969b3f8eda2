import path from 'node:path';
import { z } from 'zod';

// Environment values arrive as strings; these read them as what they mean.
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();

const configSchema = z.object({
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
});

export type Config = Readonly<Omit<z.output<typeof configSchema>, 'DATA_DIR'> & { DATA_DIR: string }>;

/** Every problem with the configuration at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
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
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`),
    );
  }
  return Object.freeze({ ...result.data, DATA_DIR: path.resolve(result.data.DATA_DIR) });
}
