import { describe, expect, it } from 'vitest';
import { checkDestination, isPublicAddress, parseWebhookUrl, redactedWebhookUrl, WebhookDestinationError } from './destination-policy.ts';

describe('which addresses count as public', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00::1', 'unique-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['::ffff:127.0.0.1', 'loopback written as IPv4-mapped IPv6'],
    ['::ffff:10.0.0.1', 'private written as IPv4-mapped IPv6'],
    ['255.255.255.255', 'broadcast'],
    ['::127.0.0.1', 'loopback written in the deprecated IPv4-compatible form (::/96)'],
    ['::a00:1', 'private (10.0.0.1) in the IPv4-compatible form'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(isPublicAddress('localhost')).toBe(false);
  });
});

describe('checking a webhook destination', () => {
  it('refuses a loopback or private address, naming it and the setting that allows it', async () => {
    await expect(checkDestination('http://127.0.0.1:8080/hook', {})).rejects.toThrow(/127\.0\.0\.1.*WEBHOOK_ALLOW_PRIVATE/);
    await expect(checkDestination('http://[::1]/hook', {})).rejects.toThrow(WebhookDestinationError);
    await expect(checkDestination('https://10.0.0.5/hook', {})).rejects.toThrow(/10\.0\.0\.5/);
  });

  it('resolves a name and refuses it when it points at loopback', async () => {
    await expect(checkDestination('http://localhost:9/hook', {})).rejects.toThrow(/localhost is (127\.0\.0\.1|::1)/);
  });

  it('allows private destinations when configured, and returns the address to connect to', async () => {
    const checked = await checkDestination('http://127.0.0.1:8080/hook', { allowPrivate: true });
    expect(checked).toMatchObject({ address: '127.0.0.1', family: 4 });
    expect(checked.url.href).toBe('http://127.0.0.1:8080/hook');
    const listed = await checkDestination('http://localhost:8080/hook', { allowedHosts: ['LOCALHOST'] });
    expect(['127.0.0.1', '::1']).toContain(listed.address);
    await expect(checkDestination('http://[::1]:8080/hook', { allowedHosts: ['[::1]'] })).resolves.toMatchObject({ address: '::1', family: 6 });
    // Allowing one host allows that one only.
    await expect(checkDestination('http://10.0.0.5/hook', { allowedHosts: ['localhost'] })).rejects.toThrow(/10\.0\.0\.5/);
  });

  it('accepts a public literal address without a lookup', async () => {
    await expect(checkDestination('https://93.184.215.14/hook', {})).resolves.toMatchObject({ address: '93.184.215.14', family: 4 });
  });

  it('refuses what is not an http(s) URL, saying why', () => {
    expect(() => parseWebhookUrl('not a url')).toThrow(/url: "not a url" is not a URL/);
    expect(() => parseWebhookUrl('ftp://example.com/')).toThrow(/must be http:\/\/ or https:\/\//);
    expect(() => parseWebhookUrl('file:///etc/passwd')).toThrow(/must be http:\/\/ or https:\/\//);
    expect(() => parseWebhookUrl('https://user:pw@example.com/')).toThrow(/user name or password/);
  });
});

describe('a webhook URL in the audit log', () => {
  it('keeps the origin and first path segment, never the rest or the query (where chat services put their credential)', () => {
    expect(redactedWebhookUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com/services/…');
    expect(redactedWebhookUrl('https://example.com/hook?token=SECRET')).toBe('https://example.com/hook/…');
    expect(redactedWebhookUrl('http://127.0.0.1:4000/down')).toBe('http://127.0.0.1:4000/down');
    expect(redactedWebhookUrl('https://example.com')).toBe('https://example.com/');
  });
});
