import { Command, Option } from 'commander';
import { imageCommand } from './image-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { serveCommand } from './serve-command.ts';
import { CliError, packageVersion } from './service-context.ts';
import { tokenCommand } from './token-command.ts';

const program = new Command('stubbuild')
  .description('Build service and signed apt repository for Debian partial architectures of Xen stub domains')
  .version(packageVersion)
  .addOption(new Option('--data-dir <dir>', 'state directory (DATA_DIR)'))
  .addOption(new Option('--database-url <url>', 'PostgreSQL URL; the embedded database when unset (DATABASE_URL)'))
  .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (LOG_LEVEL)'))
  .addCommand(serveCommand())
  .addCommand(migrateCommand())
  .addCommand(tokenCommand())
  .addCommand(imageCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`stubbuild: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
