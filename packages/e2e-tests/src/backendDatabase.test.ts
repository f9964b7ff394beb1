import { describeE2e, requireEnv } from './lib/gate';
import { RunningBackend, startBackend } from './lib/backend';

jest.setTimeout(300_000);

async function health(backend: RunningBackend) {
  const res = await fetch(`${backend.baseUrl}/api/delivery/health`);
  return { status: res.status, body: await res.json() };
}

describeE2e('backend on each supported database', () => {
  let backend: RunningBackend | undefined;
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  it('starts on SQLite (better-sqlite3) and answers its health route', async () => {
    backend = await startBackend({});
    const { status, body } = await health(backend);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it('starts on PostgreSQL and keeps the plugin databases there', async () => {
    const url = new URL(requireEnv('DELIVERY_TEST_PG_URL'));
    // A prefix unique to this run, so the assertion below sees only databases this backend created.
    const prefix = `e2e_${Date.now()}_`;
    backend = await startBackend({
      config: {
        backend: {
          database: {
            client: 'pg',
            prefix,
            connection: {
              host: url.hostname,
              port: Number(url.port),
              user: decodeURIComponent(url.username),
              password: decodeURIComponent(url.password),
            },
          },
        },
      },
    });
    const { status, body } = await health(backend);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');

    // Proves the backend really used PostgreSQL: the catalog and our plugin created their databases there.
    const { Client } = require('pg');
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
      const names = rows.map((r: { datname: string }) => r.datname);
      expect(names).toEqual(expect.arrayContaining([`${prefix}catalog`]));
    } finally {
      await client.end();
    }
  });
});
