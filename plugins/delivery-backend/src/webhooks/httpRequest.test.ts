import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  HttpConnectionError,
  HttpTimeoutError,
  httpRequest,
} from './httpRequest';

// Real loopback servers (no msw): certificate verification only happens on a real TLS handshake.
const fixtures = path.join(__dirname, '__fixtures__');
let tlsServer: https.Server;
let slowServer: http.Server;
let tlsUrl: string;
let slowUrl: string;
const received: string[] = [];

beforeAll(async () => {
  tlsServer = https.createServer(
    {
      key: fs.readFileSync(path.join(fixtures, 'selfsigned.key')),
      cert: fs.readFileSync(path.join(fixtures, 'selfsigned.crt')),
    },
    (req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push(body);
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`echo:${body}`);
      });
    },
  );
  // Never answers, so only the deadline or the caller can end the request.
  slowServer = http.createServer(() => {});
  await new Promise<void>(r => tlsServer.listen(0, '127.0.0.1', r));
  await new Promise<void>(r => slowServer.listen(0, '127.0.0.1', r));
  tlsUrl = `https://127.0.0.1:${
    (tlsServer.address() as AddressInfo).port
  }/hook`;
  slowUrl = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  slowServer.closeAllConnections();
  await new Promise(r => tlsServer.close(r));
  await new Promise(r => slowServer.close(r));
});

describe('httpRequest', () => {
  it('rejects a self-signed certificate by default, as a TLS connection error', async () => {
    const error = await httpRequest({
      method: 'POST',
      url: tlsUrl,
      body: 'x',
      timeoutMs: 5000,
    }).catch(e => e);
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect(error.tls).toBe(true);
  });

  it('skips verification when asked and posts the body', async () => {
    const response = await httpRequest({
      method: 'POST',
      url: tlsUrl,
      body: '{"a":1}',
      timeoutMs: 5000,
      insecureSkipVerify: true,
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe('echo:{"a":1}');
    expect(received).toContain('{"a":1}');
  });

  it('gives up at the deadline', async () => {
    const error = await httpRequest({
      method: 'GET',
      url: slowUrl,
      timeoutMs: 50,
    }).catch(e => e);
    expect(error).toBeInstanceOf(HttpTimeoutError);
  });

  it("stops when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const pending = httpRequest({
      method: 'GET',
      url: slowUrl,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort(new Error('tick over'));
    await expect(pending).rejects.toThrow('tick over');
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    const error = await httpRequest({
      method: 'GET',
      url: `http://127.0.0.1:${port}/`,
      timeoutMs: 5000,
    }).catch(e => e);
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.tls).toBe(false);
  });

  it.each([['not a url'], ['ftp://127.0.0.1/x']])(
    'rejects %s before sending',
    async url => {
      await expect(
        httpRequest({ method: 'GET', url, timeoutMs: 1000 }),
      ).rejects.toBeInstanceOf(HttpConnectionError);
    },
  );
});
