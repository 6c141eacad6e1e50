import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

// Debian's Chromium driven by playwright-core (never a downloaded browser). Without it a
// local run skips the browser tier loudly; under CI=true a missing browser is a failure.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '../../test-results/screenshots');

export const browserMissing = (): boolean => {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; .ci/run installs Debian's chromium`);
  console.warn(
    `\n!!! SKIPPING the browser (e2e) tier: ${CHROMIUM} not found. Install it: apt-get install -y chromium\n`,
  );
  return true;
};

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine has no internet: keep Chromium from trying to reach Google at start-up.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

export const screenshotPath = (name: string): string => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
};
