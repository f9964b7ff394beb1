import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { postAlert } from './notifier';

// Real loopback servers (no msw): the point is what goes over the sockets.
const fixtures = path.join(__dirname, '../webhooks/__fixtures__');
const connects: Array<{ target: string; auth?: string }> = [];
const received: Array<{ url?: string; body: string }> = [];
let refuse = false;
let proxy: http.Server;
let target: http.Server;
let tlsTarget: https.Server;
let proxyUrl: string;
let targetPort: number;
let tlsPort: number;

const listen = (s: net.Server) => new Promise<number>(r => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  const record: http.RequestListener = (req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      received.push({ url: req.url, body });
      res.writeHead(200).end('ok');
    });
  };
  target = http.createServer(record);
  tlsTarget = https.createServer(
    { key: fs.readFileSync(path.join(fixtures, 'selfsigned.key')), cert: fs.readFileSync(path.join(fixtures, 'selfsigned.crt')) },
    record,
  );
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
    connects.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (refuse) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
  });
  targetPort = await listen(target);
  tlsPort = await listen(tlsTarget);
  proxyUrl = `http://user:p%40ss@127.0.0.1:${await listen(proxy)}`;
});

beforeEach(() => {
  connects.length = 0;
  received.length = 0;
  refuse = false;
});

afterAll(async () => {
  for (const s of [proxy, target, tlsTarget]) {
    s.closeAllConnections();
    await new Promise(r => s.close(r));
  }
});

const post = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: { text: 'hi' } });

describe('postAlert through a proxy', () => {
  it('tunnels with CONNECT, with the proxy credentials, and delivers the body', async () => {
    await postAlert(post(`http://127.0.0.1:${targetPort}/hook`), { proxy: proxyUrl, timeoutMs: 5000 });
    expect(connects).toEqual([{ target: `127.0.0.1:${targetPort}`, auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}` }]);
    expect(received).toEqual([{ url: '/hook', body: '{"text":"hi"}' }]);
  });

  it('speaks TLS to an https target inside the tunnel, verifying its certificate', async () => {
    const error = await postAlert(post(`https://127.0.0.1:${tlsPort}/hook`), { proxy: proxyUrl, timeoutMs: 5000 }).catch(
      e => e as Error,
    );
    expect(connects.map(c => c.target)).toEqual([`127.0.0.1:${tlsPort}`]);
    // The fixture is self-signed: reaching the certificate check proves the handshake ran end to end through the tunnel.
    expect(error?.message).toMatch(/self[- ]signed certificate/);
    expect(received).toEqual([]);
  });

  it('reports a proxy that refuses the tunnel', async () => {
    refuse = true;
    await expect(
      postAlert(post(`http://127.0.0.1:${targetPort}/hook`), { proxy: proxyUrl, timeoutMs: 5000 }),
    ).rejects.toThrow(/refused CONNECT to 127\.0\.0\.1:\d+: HTTP 407/);
    expect(received).toEqual([]);
  });

  it('rejects a proxy that is not an http(s) URL, naming the fix', async () => {
    await expect(postAlert(post('https://hooks.example.com/x'), { proxy: 'socks5://p:1080', timeoutMs: 5000 })).rejects.toThrow(
      'unsupported proxy scheme "socks5"; use http or https',
    );
  });
});
