import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('has defaults that need nothing set', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', OIDC_SIGN_UP: false, ADMIN_RESET: false, SIGN_IN_MAX_ATTEMPTS: 5 });
    expect(config.oidc).toBeUndefined();
    expect(config).toMatchObject({ ROLE: 'all', WORKER_CONCURRENCY: 16, EXECUTION_MAX_ATTEMPTS: 3, EXECUTION_SWEEP_MS: 2_000, SHUTDOWN_DRAIN_MS: 10_000 });
    expect(config).toMatchObject({ RETENTION_SWEEP_MS: 600_000, RETENTION_BATCH_SIZE: 500 });
  });

  it('stops the start with the variable named when a value is wrong', () => {
    expect(() => readConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: must be loopback, addresses or CIDRs/);
    expect(() => readConfig({ OIDC_ISSUER: 'https://id.example.com' })).toThrow(
      /OIDC_ISSUER: single sign-on needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/,
    );
    expect(() => readConfig({ ADMIN_RESET: 'true' })).toThrow(/ADMIN_RESET: needs ADMIN_EMAIL and ADMIN_PASSWORD/);
    expect(() => readConfig({ ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD: must be at least 10 characters/);
    expect(() => readConfig({ AUTH_SECRET: 'too short' })).toThrow(/AUTH_SECRET: must be at least 32 characters/);
    expect(() => readConfig({ PUBLIC_URL: 'events.example.com' })).toThrow(/PUBLIC_URL: must be an http/);
    expect(() => readConfig({ ROLE: 'workers' })).toThrow(/ROLE: must be all, api or worker/);
    expect(() => readConfig({ ROLE: 'worker' })).toThrow(/ROLE: worker needs DATABASE_URL/);
    expect(readConfig({ ROLE: 'api', DATABASE_URL: 'postgresql://localhost/aae' }).ROLE).toBe('api');
    expect(() => readConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => readConfig({ RETENTION_SWEEP_MS: '10' })).toThrow(/RETENTION_SWEEP_MS/);
    expect(() => readConfig({ RETENTION_BATCH_SIZE: 'many' })).toThrow(/RETENTION_BATCH_SIZE/);
    expect(() => readConfig({ METRICS_TOKEN: 'guessable' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(readConfig({ METRICS_TOKEN: ' a-long-enough-metrics-token ' }).METRICS_TOKEN).toBe('a-long-enough-metrics-token');
  });

  it('reads where webhooks may go, their timeout and when a failing endpoint is disabled', () => {
    expect(readConfig({})).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_ALLOWED_HOSTS: [],
      WEBHOOK_TIMEOUT_MS: 15_000,
      WEBHOOK_DISABLE_AFTER_FAILURES: 10,
      WEBHOOK_DISABLE_AFTER_HOURS: 120,
      WEBHOOK_LOG_KEEP_DAYS: 30,
    });
    expect(readConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ALLOWED_HOSTS: 'hooks.internal, 10.0.0.5 [::1]' })).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE: true,
      WEBHOOK_ALLOWED_HOSTS: ['hooks.internal', '10.0.0.5', '[::1]'],
    });
    expect(() => readConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE: must be true or false/);
    expect(() => readConfig({ WEBHOOK_ALLOWED_HOSTS: 'http://hooks.internal/' })).toThrow(/WEBHOOK_ALLOWED_HOSTS: must be host names or addresses/);
    expect(() => readConfig({ WEBHOOK_TIMEOUT_MS: '10' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    expect(() => readConfig({ WEBHOOK_DISABLE_AFTER_FAILURES: '0' })).toThrow(/WEBHOOK_DISABLE_AFTER_FAILURES/);
    expect(() => readConfig({ WEBHOOK_LOG_KEEP_DAYS: '0' })).toThrow(/WEBHOOK_LOG_KEEP_DAYS/);
  });

  it('reads a single sign-on provider and proxy trust', () => {
    const config = readConfig({
      OIDC_ISSUER: 'https://id.example.com/realms/team',
      OIDC_CLIENT_ID: 'aae',
      OIDC_CLIENT_SECRET: 'secret',
      OIDC_SCOPES: 'openid, email profile',
      OIDC_SIGN_UP: 'true',
      TRUST_PROXY: '10.0.0.0/8, loopback',
    });
    expect(config.oidc).toEqual({
      id: 'sso',
      name: 'Single sign-on',
      issuer: 'https://id.example.com/realms/team',
      clientId: 'aae',
      clientSecret: 'secret',
      scopes: ['openid', 'email', 'profile'],
      signUp: true,
    });
    expect(config.TRUST_PROXY).toBe('10.0.0.0/8, loopback');
  });
});
