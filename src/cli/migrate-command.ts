import { Command } from 'commander';
import { createLogger, openMigratedDatabase, readConfig } from './service-context.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations and exit')
    .action(async (_options: unknown, command: Command) => {
      const config = readConfig(command.optsWithGlobals());
      const logger = createLogger(config, 2);
      const handle = await openMigratedDatabase(config, logger);
      await handle.close();
      process.stderr.write(`database is up to date (${handle.kind})\n`);
    });
}
