// The scheduler's configuration keys: defaults, durations, and a lease that could not survive
// one late heartbeat refused at start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { defaultSchedulerSettings, schedulerSettingsFromConfig } from '../src/scheduler/dispatcher.ts';

test('the defaults are a 10 s heartbeat, a 60 s lease, 3 attempts, 3 engine faults, 60 s backoff, 1 h ageing', () => {
  const settings = schedulerSettingsFromConfig(loadConfig({}));
  assert.deepEqual(settings, defaultSchedulerSettings);
  assert.deepEqual(settings, {
    heartbeatMs: 10_000,
    leaseMs: 60_000,
    maxInfrastructureAttempts: 3,
    engineFailureThreshold: 3,
    backoffBaseMs: 60_000,
    ageingMs: 3_600_000,
    pollMs: 2_000,
  });
});

test('durations take ms, s, m, h; a lease shorter than two heartbeats is refused with the others', () => {
  const settings = schedulerSettingsFromConfig(
    loadConfig({
      SCHEDULER_HEARTBEAT: '250ms',
      SCHEDULER_LEASE: '2s',
      SCHEDULER_BACKOFF: '5m',
      SCHEDULER_AGEING: '2h',
      SCHEDULER_MAX_INFRA_ATTEMPTS: '5',
    }),
  );
  assert.deepEqual(
    [settings.heartbeatMs, settings.leaseMs, settings.backoffBaseMs, settings.ageingMs, settings.maxInfrastructureAttempts],
    [250, 2_000, 300_000, 7_200_000, 5],
  );
  assert.throws(
    () => loadConfig({ SCHEDULER_HEARTBEAT: '40s', SCHEDULER_LEASE: '60s', SCHEDULER_ENGINE_FAILURES: '0', SCHEDULER_POLL: '0' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((p) => p.startsWith('SCHEDULER_LEASE: must be at least twice SCHEDULER_HEARTBEAT')) &&
      error.problems.some((p) => p.startsWith('SCHEDULER_ENGINE_FAILURES')) &&
      error.problems.some((p) => p.startsWith('SCHEDULER_POLL')),
  );
});
