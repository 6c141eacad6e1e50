// What a start says on the console, once it is ready: where to go, how to sign in the first
// time, where the data is, how to stop. Plain text for a person, beside the JSON log lines.
// The owner token appears only on the start that generated it; afterwards only its file.

export type BannerFacts = {
  /** Where browsers reach us: PUBLIC_URL, or http://localhost:PORT for a wildcard bind. */
  url: string;
  salonName: string;
  /** The owner token when this start generated it (printed this once), else undefined. */
  newOwnerToken: string | undefined;
  /** Where the owner token is kept, when it was generated (not set through OWNER_TOKEN). */
  ownerTokenFile: string | undefined;
  dataDir: string;
  /** Which log: "SQLite (…/holdfast.db)" or "EventStoreDB". */
  log: string;
};

export const startupBanner = (facts: BannerFacts): string => {
  const base = facts.url.replace(/\/$/, '');
  const signIn =
    facts.newOwnerToken !== undefined
      ? `owner token ${facts.newOwnerToken}  (shown this once; kept in ${facts.ownerTokenFile})`
      : facts.ownerTokenFile !== undefined
        ? `the owner token is in ${facts.ownerTokenFile}`
        : 'the owner token is the OWNER_TOKEN you set';
  return [
    '',
    `  Holdfast is ready: ${facts.salonName}`,
    `    Booking page    ${base}/`,
    `    Owner console   ${base}/owner   (sign in with the owner token)`,
    `    API docs        ${base}/docs`,
    `    Sign in         ${signIn}`,
    `    Data            ${facts.dataDir}  (log: ${facts.log})`,
    '    Stop            Ctrl+C: finishes what is in flight, saves a snapshot, exits',
    '',
    '',
  ].join('\n');
};

/** The URL to print for a listener: PUBLIC_URL when set; localhost for a wildcard bind. */
export const localUrl = (host: string, port: number, publicUrl: string | undefined): string => {
  if (publicUrl !== undefined) return publicUrl;
  const shown =
    host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
};
