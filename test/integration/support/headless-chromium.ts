// Debian's Chromium, driven by playwright-core (which downloads no browser of its own). A
// machine without it fails the test that needs it, saying how to install it — never a skip.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser executable: $CHROMIUM_PATH, else the usual system paths. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  const found = fromEnv && existsSync(fromEnv) ? fromEnv : CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'headless Chromium is missing: install it with `apt-get install -y chromium` (Debian; `.ci/run` does this), or set CHROMIUM_PATH to a Chromium or Chrome executable',
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  // As root (CI, containers) Chromium refuses to start with its sandbox on.
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox'],
  });
}
