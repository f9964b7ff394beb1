import { describeE2e } from './lib/gate';
import { PrefixedPostgres, prefixedPostgres } from './lib/postgresBackendDatabase';
import { RunningBackend, startBackend } from './lib/backend';

jest.setTimeout(300_000);

async function health(backend: RunningBackend) {
  const res = await fetch(`${backend.baseUrl}/api/delivery/health`);
  return { status: res.status, body: await res.json() };
}

describeE2e('backend on each supported database', () => {
  let backend: RunningBackend | undefined;
  let pg: PrefixedPostgres | undefined;
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    await pg?.drop();
    pg = undefined;
  });

  it('starts on SQLite (better-sqlite3) and answers its health route', async () => {
    backend = await startBackend({});
    const { status, body } = await health(backend);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it('starts on PostgreSQL and keeps the plugin databases there', async () => {
    // A prefix unique to this run, so the assertion below sees only databases this backend created.
    pg = prefixedPostgres('e2e');
    backend = await startBackend({ config: { backend: { database: pg.config } } });
    const { status, body } = await health(backend);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');

    // Proves the backend really used PostgreSQL: the catalog and our plugin created their databases there.
    expect(await pg.databases()).toEqual(expect.arrayContaining([`${pg.prefix}catalog`]));
  });
});
