#!/usr/bin/env node
import { parseArgs } from 'node:util';
// Only what `help` and a bad option need is imported up front: the rest (the engine, the
// collectors, the database and Redis clients) is loaded once a command runs, so help is quick.

const USAGE = `usage: pollfleet [run] [--migrate] [--no-demo]
                                       poll the devices in the inventory (default); with no
                                       POLLFLEET_DATABASE_URL an empty inventory gets the demo lab
       pollfleet migrate              create or upgrade the inventory schema, then exit
       pollfleet help

Configuration comes from POLLFLEET_* environment variables; see the README.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        migrate: { type: 'boolean' },
        'no-demo': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // An unknown option or a value where none is taken: say which, show the usage.
    const reason = err instanceof Error ? err.message.split('. ')[0] : String(err);
    process.stderr.write(`pollfleet: ${reason}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0] ?? 'run';
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { resolvePollerConfig } = await import('./config.js');
  const { createLogger } = await import('./logger.js');
  const config = resolvePollerConfig(undefined, {
    ...(values.migrate ? { migrate: true } : {}),
    ...(values['no-demo'] ? { demo: false } : {}),
  });
  const logger = createLogger(config.logLevel, config.podId);
  for (const v of config.unknownVariables) logger.warn(`unknown setting ${v} is ignored`);

  if (command === 'migrate') {
    const { openPostgresInventory } = await import('./postgres-inventory-service.js');
    const inventory = openPostgresInventory(config, logger);
    try {
      const applied = await inventory.migrate();
      logger.info({ applied }, applied.length ? 'migrations applied' : 'schema already up to date');
    } finally {
      await inventory.close();
    }
    return 0;
  }
  if (command !== 'run') {
    process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }

  const { Poller } = await import('./poller.js');
  const { openPollerServices } = await import('./service-sets.js');
  const { createPostgresInventory, pollerInventory } =
    await import('./postgres-inventory-service.js');
  const { startDemoLab } = await import('./demo-lab.js');
  const { startupBanner } = await import('./startup-banner.js');
  const store = createPostgresInventory(config, logger);
  // The demo lab only ever serves the embedded inventory: a server's rows are the user's.
  let demo: Awaited<ReturnType<typeof startDemoLab>>;
  if (config.databaseUrl === undefined && config.demo) {
    try {
      await store.migrate();
      demo = await startDemoLab(store, logger.child({ component: 'demo-lab' }));
    } catch (err) {
      await store.close(); // releases the data folder's lock
      throw err;
    }
  }
  const services = openPollerServices(config, logger, pollerInventory(store, config, logger));
  const poller = new Poller(config, logger, {
    ...services,
    close: async () => {
      await services.close();
      await demo?.stop();
    },
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  // Resolves with the exit code once a signal's stop has finished.
  let stopping: Promise<number> | undefined;
  let resolveStopped: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received');
    stopping = poller.stop().then(
      () => 0,
      (err: unknown) => {
        logger.error({ err }, 'stop did not finish cleanly');
        return 1;
      },
    );
    void stopping.then(resolveStopped);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const address = await poller.start();
    if (poller.state === 'running') process.stderr.write(startupBanner(config, address, demo));
  } catch (err) {
    // A signal during start-up is a normal stop, not a failed start.
    if (stopping) return stopping;
    await poller.stop().catch(() => {});
    if (isConfigError(err)) throw err;
    logger.fatal({ err }, 'start-up failed');
    return 1;
  }
  return stopped;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isConfigError(err)) {
      process.stderr.write(`pollfleet: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    // A typed error (with a `code`) says what went wrong in its message; others keep their stack.
    const known = err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
    process.stderr.write(
      `pollfleet: ${err instanceof Error ? (known ? err.message : (err.stack ?? err.message)) : String(err)}\n`,
    );
    process.exit(1);
  },
);

/** A `ConfigError` from @pollfleet/core, recognised by its code so core loads only when needed. */
function isConfigError(err: unknown): err is Error {
  return err instanceof Error && (err as { code?: unknown }).code === 'CONFIG_INVALID';
}
