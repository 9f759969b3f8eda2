import { Command, CommanderError, Option } from 'commander';
import { clientCommands } from './client/client-commands.ts';
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
for (const command of clientCommands()) program.addCommand(command);
// A usage error exits 2 (commander's own default is 1, which means a failed build to the client).
const usageExits = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(usageExits);
};
usageExits(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed the message; help and --version are not errors.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  if (error instanceof CliError) {
    if (error.message) process.stderr.write(`stubbuild: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
