// Ctrl-C must not leave emulators, proxies or CLI tools behind: everything the bench starts
// registers how to stop it here, and a signal runs those steps newest first, then exits.

type Cleanup = () => void | Promise<void>;

const cleanups: Cleanup[] = [];
let stopping = false;

/** Registers a cleanup; the returned function unregisters it (call it after a normal stop). */
export function onShutdown(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.lastIndexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // keep stopping the rest
    }
  }
}

export function installSignalHandlers(log: (message: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the local stack and everything the bench started…`);
    const force = setTimeout(() => process.exit(130), 15_000);
    force.unref();
    runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
