import { Command, Option } from 'commander';
import { createToken, type TokenRole, tokenRoles } from '../tokens/tokens.ts';
import { createLogger, openMigratedDatabase, readConfig } from './service-context.ts';

export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens');
  token
    .command('create')
    .description('create a token and print it alone on stdout, once (only its hash is stored)')
    .addOption(new Option('--role <role>', 'what the token may do').choices(tokenRoles).makeOptionMandatory())
    .option('--name <name>', 'what the token is for')
    .action(async (options: { role: TokenRole; name?: string }, command: Command) => {
      const config = readConfig(command.optsWithGlobals());
      const logger = createLogger(config, 2);
      const handle = await openMigratedDatabase(config, logger);
      try {
        const created = await createToken(handle.db, { role: options.role, name: options.name ?? null });
        logger.info({ id: created.id, role: created.role }, 'token created');
        process.stdout.write(`${created.token}\n`);
      } finally {
        await handle.close();
      }
    });
  return token;
}
