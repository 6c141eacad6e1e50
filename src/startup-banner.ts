// What a start says on the console, once it is ready: where to go, how to sign in the first
// time, where the data is, how to stop. Plain text for a person, beside the JSON log lines.
// Until the salon has an owner account, the one-time setup link; the API token (for
// automation) appears only on the start that generated it, afterwards only its file.

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
  /** The first owner's setup link, while the salon has no account (valid an hour). */
  setupLink?: string | undefined;
};

export const startupBanner = (facts: BannerFacts): string => {
  const base = facts.url.replace(/\/$/, '');
  const apiToken =
    facts.newOwnerToken !== undefined
      ? `API token ${facts.newOwnerToken}  (shown this once; kept in ${facts.ownerTokenFile})`
      : facts.ownerTokenFile !== undefined
        ? `the API token is in ${facts.ownerTokenFile}`
        : 'the API token is the OWNER_TOKEN you set';
  const setup =
    facts.setupLink !== undefined
      ? [
          `    Set up          ${facts.setupLink}`,
          '                    (the owner chooses email and password; valid one hour)',
        ]
      : [];
  return [
    '',
    `  Holdfast is ready: ${facts.salonName}`,
    `    Booking page    ${base}/`,
    `    Owner console   ${base}/owner   (staff sign in with their own accounts)`,
    ...setup,
    `    API docs        ${base}/docs`,
    `    Automation      ${apiToken}`,
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
