import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_FETCH_POLICY,
  createGuardedFetcher,
  isBlockedAddress,
  type ResolvedAddress,
} from '../src/lib/net/guarded-fetch.js';

/** Await a promise expected to reject and return its error `code`. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${String(e)}`;
  }
  return 'resolved';
}

/** Await a promise expected to reject and return the error. */
async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const loopback = (hostMap: Record<string, string[]>) =>
  async (hostname: string): Promise<ResolvedAddress[]> => {
    const addresses = hostMap[hostname];
    if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function startServer(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// --- main test server -------------------------------------------------------------------

const hits = new Map<string, number>();
let lastHost: string | undefined;
let lastAcceptEncoding: string | undefined;
let dripClosed: Promise<void> = Promise.resolve();
let floodClosed: Promise<void> = Promise.resolve();
let main: { server: Server; port: number };
let other: { server: Server; port: number };
let otherHits = 0;

const routes: Record<string, Handler> = {
  '/doc.json': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"hello":"world"}');
  },
  '/x': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('x');
  },
  '/missing': (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('nope');
  },
  '/loop': (_req, res) => {
    res.writeHead(302, { location: '/loop' });
    res.end();
  },
  '/r2': (_req, res) => {
    res.writeHead(301, { location: '/r1' });
    res.end();
  },
  '/r1': (_req, res) => {
    res.writeHead(307, { location: '/doc.json' });
    res.end();
  },
  '/to-other': (_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${other.port}/doc.json` });
    res.end();
  },
  '/hang': () => {
    // never respond
  },
  '/drip': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 50);
    dripClosed = new Promise((resolve) =>
      res.on('close', () => {
        clearInterval(timer);
        resolve();
      }),
    );
  },
  '/big-declared': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2_000_000) });
    res.write('{');
  },
  '/flood': (_req, res) => {
    // Chunked, no Content-Length; keeps writing until the client hangs up.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const timer = setInterval(() => res.write(chunk), 5);
    floodClosed = new Promise((resolve) =>
      res.on('close', () => {
        clearInterval(timer);
        resolve();
      }),
    );
  },
  '/gzip': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end('not really gzip');
  },
};

beforeAll(async () => {
  main = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    lastHost = req.headers.host;
    lastAcceptEncoding = req.headers['accept-encoding'];
    const route = routes[path];
    if (route) route(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  other = await startServer((_req, res) => {
    otherHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});

afterAll(async () => {
  await stopServer(main.server);
  await stopServer(other.server);
});

beforeEach(() => hits.clear());

const local = (path: string) => `http://127.0.0.1:${main.port}${path}`;
const permissive = { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 2000 };

// --- policy checks that must fire before any connection ---------------------------------

describe('blocked before connecting', () => {
  let connectSpy: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    connectSpy = vi.spyOn(net.Socket.prototype, 'connect');
  });
  afterEach(() => {
    connectSpy.mockRestore();
  });

  it('the connect spy does see real connections (sanity check)', async () => {
    const fetcher = createGuardedFetcher(permissive);
    await fetcher(local('/x'));
    expect(connectSpy).toHaveBeenCalled();
  });

  it('refuses http:// by default', async () => {
    const fetcher = createGuardedFetcher({ timeoutMs: 300 });
    expect(await codeOf(fetcher('http://example.com/'))).toBe('MC_FETCH_BLOCKED');
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it.each([
    `https://127.0.0.1:${12345}/`,
    'https://[::1]/',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/',
    'https://192.168.1.1/',
    'https://172.16.0.1/',
    'https://100.64.0.1/',
    'https://[::ffff:127.0.0.1]/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://0177.0.0.1/',
    'https://0.0.0.0/',
    'https://224.0.0.1/',
  ])('refuses IP-literal %s', async (url) => {
    const lookup = vi.fn(loopback({}));
    const fetcher = createGuardedFetcher({ timeoutMs: 300, lookup });
    expect(await codeOf(fetcher(url))).toBe('MC_FETCH_BLOCKED');
    expect(lookup).not.toHaveBeenCalled();
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('refuses a loopback https URL to a live server too', async () => {
    const fetcher = createGuardedFetcher({ timeoutMs: 300 });
    expect(await codeOf(fetcher(`https://127.0.0.1:${main.port}/x`))).toBe('MC_FETCH_BLOCKED');
    expect(hits.size).toBe(0);
  });

  it('checks resolved addresses: a name pointing at loopback is blocked', async () => {
    const fetcher = createGuardedFetcher({
      timeoutMs: 300,
      lookup: loopback({ 'evil.example': ['127.0.0.1'] }),
    });
    expect(await codeOf(fetcher('https://evil.example/'))).toBe('MC_FETCH_BLOCKED');
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('any blocked address in a mixed answer blocks', async () => {
    const fetcher = createGuardedFetcher({
      timeoutMs: 300,
      lookup: loopback({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] }),
    });
    expect(await codeOf(fetcher('https://mixed.example/'))).toBe('MC_FETCH_BLOCKED');
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/x', 'data:application/json,{}', 'gopher://example.com/'])(
    'refuses scheme of %s even with permissive network policy',
    async (url) => {
      const fetcher = createGuardedFetcher({ ...permissive, timeoutMs: 300 });
      expect(await codeOf(fetcher(url))).toBe('MC_FETCH_BLOCKED');
      expect(connectSpy).not.toHaveBeenCalled();
    },
  );

  it('refuses URLs with credentials', async () => {
    const fetcher = createGuardedFetcher({
      timeoutMs: 300,
      lookup: loopback({ host: ['93.184.216.34'] }),
    });
    expect(await codeOf(fetcher('https://user:pw@host/'))).toBe('MC_FETCH_BLOCKED');
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('error messages are one line, name the URL and omit the query string', async () => {
    const fetcher = createGuardedFetcher({ timeoutMs: 300 });
    const err = await errorOf(fetcher('https://10.0.0.1/path?token=secret'));
    expect(err.message).toContain('https://10.0.0.1/path');
    expect(err.message).not.toContain('secret');
    expect(err.message).not.toContain('\n');
  });
});

// --- successful fetches -----------------------------------------------------------------

describe('allowed fetches', () => {
  it('fetches a local JSON document when private networks are allowed', async () => {
    const fetcher = createGuardedFetcher(permissive);
    const r = await fetcher(local('/doc.json'), { accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json');
    expect(r.url).toBe(local('/doc.json'));
    expect(new TextDecoder().decode(r.body)).toBe('{"hello":"world"}');
    expect(r.body).toBeInstanceOf(Uint8Array);
    expect(lastAcceptEncoding).toBe('identity');
  });

  it('connects to the checked address but keeps the hostname in the Host header', async () => {
    const lookup = vi.fn(loopback({ 'localtest.example': ['127.0.0.1'] }));
    const fetcher = createGuardedFetcher({
      allowHttp: true,
      allowedHosts: ['localtest.example'],
      lookup,
      timeoutMs: 2000,
    });
    const r = await fetcher(`http://localtest.example:${main.port}/x`);
    expect(r.status).toBe(200);
    expect(new TextDecoder().decode(r.body)).toBe('x');
    expect(lastHost).toBe(`localtest.example:${main.port}`);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('allowedHosts exempts only the named host', async () => {
    const fetcher = createGuardedFetcher({
      allowHttp: true,
      allowedHosts: ['localtest.example'],
      lookup: loopback({ 'localtest.example': ['127.0.0.1'], 'other.example': ['127.0.0.1'] }),
      timeoutMs: 300,
    });
    expect(await codeOf(fetcher(`http://other.example:${main.port}/x`))).toBe('MC_FETCH_BLOCKED');
    expect(hits.size).toBe(0);
  });

  it('reports a 404 as MC_FETCH_HTTP_STATUS', async () => {
    const fetcher = createGuardedFetcher(permissive);
    const err = await errorOf(fetcher(local('/missing')));
    expect(err.code).toBe('MC_FETCH_HTTP_STATUS');
    expect(err.message).toContain('404');
  });

  it('refuses a compressed body it did not ask for', async () => {
    const fetcher = createGuardedFetcher(permissive);
    expect(await codeOf(fetcher(local('/gzip')))).toBe('MC_FETCH_FAILED');
  });
});

// --- redirects ----------------------------------------------------------------------------

describe('redirects', () => {
  it('re-checks each hop: a redirect to a private address is blocked', async () => {
    const before = otherHits;
    const fetcher = createGuardedFetcher({
      allowHttp: true,
      allowedHosts: ['localtest.example'],
      lookup: loopback({ 'localtest.example': ['127.0.0.1'] }),
      timeoutMs: 2000,
    });
    expect(await codeOf(fetcher(`http://localtest.example:${main.port}/to-other`))).toBe('MC_FETCH_BLOCKED');
    expect(hits.get('/to-other')).toBe(1);
    expect(otherHits).toBe(before);
  });

  it('re-checks the scheme of each hop', async () => {
    // Even the most permissive policy never lets a redirect leave http(s).
    const { server, port } = await startServer((_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    });
    try {
      const fetcher = createGuardedFetcher(permissive);
      expect(await codeOf(fetcher(`http://127.0.0.1:${port}/`))).toBe('MC_FETCH_BLOCKED');
    } finally {
      await stopServer(server);
    }
  });

  it('fails a redirect loop past maxRedirects with MC_FETCH_FAILED', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, maxRedirects: 3 });
    expect(await codeOf(fetcher(local('/loop')))).toBe('MC_FETCH_FAILED');
    expect(hits.get('/loop')).toBe(4); // the request plus three followed redirects
  });

  it('follows a chain within the limit and reports the final URL', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, maxRedirects: 2 });
    const r = await fetcher(local('/r2'));
    expect(r.status).toBe(200);
    expect(r.url).toBe(local('/doc.json'));
    expect(new TextDecoder().decode(r.body)).toBe('{"hello":"world"}');
  });
});

// --- time and size limits -------------------------------------------------------------------

describe('limits', () => {
  it('times out a server that never responds', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, timeoutMs: 300 });
    const started = Date.now();
    expect(await codeOf(fetcher(local('/hang')))).toBe('MC_FETCH_TIMEOUT');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it('times out a slow-drip body (the timeout covers the whole body)', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, timeoutMs: 300 });
    const started = Date.now();
    expect(await codeOf(fetcher(local('/drip')))).toBe('MC_FETCH_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
    await dripClosed; // the server notices the client hanging up
  });

  it('times out a DNS lookup that never answers', async () => {
    const fetcher = createGuardedFetcher({
      timeoutMs: 300,
      lookup: () => new Promise<ResolvedAddress[]>(() => undefined),
    });
    expect(await codeOf(fetcher('https://slow-dns.example/'))).toBe('MC_FETCH_TIMEOUT');
  });

  it('rejects a declared Content-Length above maxBytes early', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, maxBytes: 1024 });
    expect(await codeOf(fetcher(local('/big-declared')))).toBe('MC_FETCH_TOO_LARGE');
  });

  it('stops reading a chunked body that grows past maxBytes', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, maxBytes: 100_000, timeoutMs: 5000 });
    expect(await codeOf(fetcher(local('/flood')))).toBe('MC_FETCH_TOO_LARGE');
    await floodClosed; // the server saw the client hang up
  });
});

// --- cache ------------------------------------------------------------------------------------

describe('cache', () => {
  it('serves a repeated 2xx fetch from cache until clearCache()', async () => {
    const fetcher = createGuardedFetcher(permissive);
    const a = await fetcher(local('/doc.json'));
    const b = await fetcher(local('/doc.json'));
    expect(hits.get('/doc.json')).toBe(1);
    expect(b.body).toEqual(a.body);
    fetcher.clearCache();
    await fetcher(local('/doc.json'));
    expect(hits.get('/doc.json')).toBe(2);
  });

  it('keys the cache by accept as well as URL', async () => {
    const fetcher = createGuardedFetcher(permissive);
    await fetcher(local('/doc.json'), { accept: 'application/json' });
    await fetcher(local('/doc.json'), { accept: 'application/did+json' });
    expect(hits.get('/doc.json')).toBe(2);
  });

  it('hands out copies so a caller cannot poison the cache', async () => {
    const fetcher = createGuardedFetcher(permissive);
    const a = await fetcher(local('/doc.json'));
    a.body.fill(0);
    const b = await fetcher(local('/doc.json'));
    expect(new TextDecoder().decode(b.body)).toBe('{"hello":"world"}');
  });

  it('does not cache non-2xx responses', async () => {
    const fetcher = createGuardedFetcher(permissive);
    await codeOf(fetcher(local('/missing')));
    await codeOf(fetcher(local('/missing')));
    expect(hits.get('/missing')).toBe(2);
  });

  it('cacheTtlMs 0 disables the cache', async () => {
    const fetcher = createGuardedFetcher({ ...permissive, cacheTtlMs: 0 });
    await fetcher(local('/x'));
    await fetcher(local('/x'));
    expect(hits.get('/x')).toBe(2);
  });
});

// --- address classification -------------------------------------------------------------------

describe('isBlockedAddress', () => {
  it.each(['8.8.8.8', '93.184.216.34', '2606:4700::1111', '2001:4860:4860::8888', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '::',
    '::1',
    '[::1]',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '::7f00:1',
    '2001:db8::1',
    'ff02::1',
    'not-an-ip',
    '',
  ])('%s is blocked', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });
});

describe('DEFAULT_FETCH_POLICY', () => {
  it('is strict by default', () => {
    expect(DEFAULT_FETCH_POLICY).toMatchObject({
      allowHttp: false,
      allowPrivateNetworks: false,
      timeoutMs: 5000,
      maxBytes: 1024 * 1024,
      maxRedirects: 3,
      cacheTtlMs: 300_000,
    });
    expect(DEFAULT_FETCH_POLICY.allowedHosts).toEqual([]);
    expect(Object.isFrozen(DEFAULT_FETCH_POLICY)).toBe(true);
  });
});
