import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration from the environment', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      holdSeconds: 180,
      maxHoldsPerClient: 2,
      salonTz: 'Europe/London',
      logLevel: 'info',
      demo: true,
      snapshots: true,
      eventstoreUrl: undefined,
      databaseUrl: undefined,
      pgSchema: 'holdfast',
      pgPoolSize: 10,
      pgStatementTimeoutMs: 5_000,
      cancelCutoffHours: 24,
      rateLimitPerMinute: 30,
      maxHoldsPerIp: 10,
      trustProxy: false,
      corsOrigins: [],
      holdCooldownSeconds: 180, // one hold length
      maxSocketsPerIp: 50,
      holdPressurePercent: 30,
      requestTimeoutSeconds: 10,
      metricsToken: undefined,
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
    });
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(loadConfig({ HOLD_SECONDS: '60' }).holdCooldownSeconds).toBe(60);
  });

  it('reads every documented name', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/tmp/x',
      HOLD_SECONDS: '5',
      OWNER_TOKEN: 'a-long-enough-owner-token-0123',
      SALON_TZ: 'America/New_York',
      LOG_LEVEL: 'warn',
      MAX_HOLDS_PER_CLIENT: '3',
      DEMO: '0',
      SNAPSHOTS: '0',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      CANCEL_CUTOFF_HOURS: '48',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_HOLDS_PER_IP: '4',
      SESSION_SECRET: 'x'.repeat(40),
      TRUST_PROXY: '1',
      CORS_ORIGIN: 'https://salon.example, http://localhost:5173',
      SALON_NAME: 'Chez Anna',
      HOLD_COOLDOWN_SECONDS: '0',
      MAX_SOCKETS_PER_IP: '5',
      HOLD_PRESSURE_PERCENT: '0',
      REQUEST_TIMEOUT_SECONDS: '30',
      METRICS_TOKEN: 'm'.repeat(20),
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      PUBLIC_URL: 'https://book.salon.example',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/tmp/x',
      holdSeconds: 5,
      ownerToken: 'a-long-enough-owner-token-0123',
      salonTz: 'America/New_York',
      logLevel: 'warn',
      maxHoldsPerClient: 3,
      demo: false,
      snapshots: false,
      eventstoreUrl: 'esdb://localhost:2113?tls=false',
      cancelCutoffHours: 48,
      rateLimitPerMinute: 0,
      maxHoldsPerIp: 4,
      sessionSecret: 'x'.repeat(40),
      trustProxy: ['loopback', 'linklocal', 'uniquelocal'],
      corsOrigins: ['https://salon.example', 'http://localhost:5173'],
      salonName: 'Chez Anna',
      holdCooldownSeconds: 0,
      maxSocketsPerIp: 5,
      holdPressurePercent: 0,
      requestTimeoutSeconds: 30,
      metricsToken: 'm'.repeat(20),
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      publicUrl: 'https://book.salon.example',
    });
  });

  it("takes KurrentDB's connection-string schemes for EVENTSTORE_URL, and EventStoreDB's esdb://", () => {
    for (const url of [
      'kurrentdb://db:2113?tls=false',
      'kurrentdb+discover://db:2113',
      'kdb://db:2113',
      'esdb://db:2113',
    ]) {
      expect(loadConfig({ EVENTSTORE_URL: url }).eventstoreUrl).toBe(url);
    }
  });

  it('trusts proxies by address, never every hop', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5, ::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.5',
      '::1',
    ]);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('takes MAX_HOLDS_PER_IP=0 as "no per-network cap", like RATE_LIMIT_PER_MINUTE=0', () => {
    expect(loadConfig({ MAX_HOLDS_PER_IP: '0', RATE_LIMIT_PER_MINUTE: '0' })).toMatchObject({
      maxHoldsPerIp: 0,
      rateLimitPerMinute: 0,
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['HOLD_SECONDS', '0'],
    ['HOLD_SECONDS', '1.5'],
    ['SALON_TZ', 'Mars/Olympus_Mons'],
    ['LOG_LEVEL', 'loud'],
    ['DEMO', 'yes'],
    ['SNAPSHOTS', 'on'],
    ['MAX_HOLDS_PER_CLIENT', '-1'],
    ['CANCEL_CUTOFF_HOURS', 'a day'],
    ['RATE_LIMIT_PER_MINUTE', '-5'],
    ['MAX_HOLDS_PER_IP', '-1'],
    ['MAX_HOLDS_PER_IP', '10001'],
    ['SESSION_SECRET', 'short'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '2'],
    ['TRUST_PROXY', '10.0.0.0/8, proxy.internal'],
    ['CORS_ORIGIN', '*'],
    ['EVENTSTORE_URL', 'localhost:2113'],
    ['EVENTSTORE_URL', 'postgres://localhost/holdfast'],
    ['HOLD_COOLDOWN_SECONDS', '3601'],
    ['MAX_SOCKETS_PER_IP', 'lots'],
    ['HOLD_PRESSURE_PERCENT', '101'],
    ['REQUEST_TIMEOUT_SECONDS', '0'],
    ['METRICS_TOKEN', 'short'],
    ['METRICS_PORT', '0'],
    ['PUBLIC_URL', 'book.salon.example'],
    ['OWNER_TOKEN', 'secret'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
