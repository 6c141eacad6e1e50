import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { until } from '../support/fixtures.js';

// Getting into the staff console in the browser tests: the first owner's account is made
// on the setup page, from the one-time link the server writes to DATA_DIR once it is ready
// (while the salon has no account); anyone else signs in with email and password.

export type Person = { name: string; email: string; password: string };

export const OWNER: Person = { name: 'Olive Owner', email: 'olive@studio.test', password: 'copper-lantern-orchard-41' };

/** The setup link the server wrote to DATA_DIR, moved onto `base` (the address the browser uses). */
export const setupLink = async (dataDir: string, base: string): Promise<string> => {
  const file = join(dataDir, 'owner-setup-link');
  await until(() => existsSync(file), 15_000);
  const link = new URL(readFileSync(file, 'utf8').trim());
  return `${base}${link.pathname}${link.search}`;
};

/** The console on `page` shows its sections (someone is signed in). */
export const consoleShown = (page: Page) =>
  page.getByRole('tablist', { name: 'Console sections' }).waitFor({ timeout: 10_000 });

/** Opens the setup link and creates the owner's account; ends signed in, on the console. */
export const createOwner = async (page: Page, link: string, owner: Person = OWNER): Promise<void> => {
  await page.goto(link);
  await page.getByRole('heading', { name: "Set up the salon's console" }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(owner.name);
  await page.getByLabel('Email', { exact: true }).fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await consoleShown(page);
};

/** Signs in on the console's form (the page must show it). */
export const signIn = async (page: Page, person: Pick<Person, 'email' | 'password'>): Promise<void> => {
  await page.getByLabel('Email', { exact: true }).fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await consoleShown(page);
};
