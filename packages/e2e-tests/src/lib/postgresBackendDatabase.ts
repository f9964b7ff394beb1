import { Client } from 'pg';
import { requireEnv } from './gate';

/** A `backend.database` config on the e2e PostgreSQL server whose databases all start with a prefix of this run. */
export interface PrefixedPostgres {
  prefix: string;
  /** Value of `backend.database`; the same value reopens the same data. */
  config: Record<string, unknown>;
  /** The databases a backend created under the prefix (Backstage makes one per plugin: `<prefix>catalog`, …). */
  databases(): Promise<string[]>;
  /** Drops every database under the prefix. */
  drop(): Promise<void>;
}

/**
 * Backstage connects per plugin, so it wants host/port/user rather than a connection string; the prefix keeps this
 * run's databases apart from other suites on the same server. `stem` names the suite in the database names.
 */
export function prefixedPostgres(stem: string): PrefixedPostgres {
  const url = new URL(requireEnv('DELIVERY_TEST_PG_URL'));
  const prefix = `${stem}_${Date.now()}_`;
  const withClient = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const databases = () =>
    withClient(async c => {
      const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
      return rows.map((r: { datname: string }) => r.datname);
    });
  return {
    prefix,
    config: {
      client: 'pg',
      prefix,
      connection: {
        host: url.hostname,
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      },
    },
    databases,
    drop: async () => {
      const names = await databases();
      await withClient(async c => {
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}
