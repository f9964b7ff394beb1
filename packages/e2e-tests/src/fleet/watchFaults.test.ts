/* eslint-disable @backstage/no-relative-monorepo-imports -- see deliveryBackend.ts */
import { mockServices } from '@backstage/backend-test-utils';
import { FleetAggregator, createFleet } from '../../../../plugins/delivery-backend/src/fleet/aggregator';
import type { ClusterCache } from '../../../../plugins/delivery-backend/src/kube/cache';
import { resourcePath } from '../../../../plugins/delivery-backend/src/kube/clusters';
import { KINDS } from '../../../../plugins/delivery-backend/src/kube/types';
import { describeE2e } from '../lib/gate';
import { ProxiedRequest, WatchFault, WatchFaultProxy, minGap } from '../lib/watchFaultProxy';
import { FleetClusters, cacheView, progressingStatus, waitFor } from './fleetEnv';

jest.setTimeout(120_000);

/** How long each fault lasts; long enough for a hung watch (3-6 s server timeout + 1 s slack) to be detected. */
const FAULT_MS = 8_000;
/** Client and proxy clocks see the same spacing up to loopback scheduling noise. */
const MIN_GAP_MS = 900;

describeE2e('fleet aggregator behind a faulty connection to one apiserver', () => {
  let env: FleetClusters;
  let proxy: WatchFaultProxy | undefined;
  let fleet: FleetAggregator | undefined;

  beforeAll(async () => {
    env = await FleetClusters.start(['faults']);
  }, 180_000);

  afterEach(async () => {
    await fleet?.stop();
    await proxy?.close();
    fleet = undefined;
    proxy = undefined;
  });

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  const sameAsFreshList = async (cache: ClusterCache, ns: string) => {
    const [cluster] = env.clusters;
    for (const kind of [KINDS.canary, KINDS.deployment]) {
      const fresh = await env.freshList(cluster, kind, ns);
      if (JSON.stringify(cacheView(cache, kind, ns)) !== JSON.stringify(fresh)) return false;
    }
    return true;
  };

  it.each<WatchFault>(['close', 'gone', 'status500', 'hang'])(
    '3: %s on every watch: at most one reconnect per second per watch, and the cache ends identical to a fresh LIST',
    async fault => {
      const [cluster] = env.clusters;
      const ns = `fault-${fault}-${Date.now().toString(36)}`;
      await env.ensureNamespace(cluster, ns);
      await env.createCanary(cluster, ns, 'podinfo', progressingStatus(10));
      await env.createCanary(cluster, ns, 'doomed', progressingStatus(10));

      proxy = new WatchFaultProxy({ upstream: cluster.server, caData: cluster.caData });
      const url = await proxy.start();
      const created = createFleet({
        clusters: [{ name: cluster.name, url, serviceAccountToken: cluster.token, skipTLSVerify: false }],
        logger: mockServices.logger.mock(),
        tuning: { watchTimeoutSeconds: 3, idleSlackMs: 1_000 },
      });
      fleet = created.fleet;
      const cache = created.caches.get(cluster.name)!;
      fleet.start();
      await waitFor('first sync', () => fleet!.clusterHealth()[0].state === 'synced');

      const from = proxy.now();
      proxy.fault = fault;
      proxy.dropWatches();
      // The cluster keeps changing while no watch gets through.
      const faultEnds = Date.now() + FAULT_MS;
      for (let i = 1; Date.now() < faultEnds; i++) {
        await env.setStatus(cluster, ns, 'podinfo', progressingStatus(10 + (i % 5) * 10));
        if (i === 2) await env.deleteCanary(cluster, ns, 'doomed');
        if (i <= 3) await env.createCanary(cluster, ns, `added-${i}`, progressingStatus(i));
        await new Promise(r => setTimeout(r, 700));
      }
      const faultWatches = proxy.since(from, resourcePath(KINDS.canary)).filter(r => r.watch).length;
      proxy.fault = 'none';

      await waitFor('cache identical to a fresh LIST', () => sameAsFreshList(cache, ns), 60_000, 250);
      await waitFor('synced again', () => fleet!.clusterHealth()[0].state === 'synced', 30_000);
      expect(await sameAsFreshList(cache, ns)).toBe(true);
      expect(Object.keys(cacheView(cache, KINDS.canary, ns)).sort()).toEqual(['added-1', 'added-2', 'added-3', 'podinfo']);

      // The fault really hit the canary watch (hang: at least the connection it hung on).
      expect(faultWatches).toBeGreaterThanOrEqual(fault === 'hang' ? 1 : 3);
      const byPath = new Map<string, ProxiedRequest[]>();
      for (const r of proxy.since(from)) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
      const gaps = [...byPath].map(([path, reqs]) => ({
        path,
        watch: minGap(reqs.filter(r => r.watch).map(r => r.at)),
        relist: minGap(reqs.filter(r => r.listStart).map(r => r.at)),
      }));
      for (const g of gaps) {
        expect({ path: g.path, ok: g.watch >= MIN_GAP_MS && g.relist >= MIN_GAP_MS }).toEqual({ path: g.path, ok: true });
      }
      // 410 means relist; a watch that merely ended resumes from its resourceVersion without listing again.
      const relists = proxy.since(from, resourcePath(KINDS.canary)).filter(r => r.listStart).length;
      const expected = { gone: relists >= 2, close: relists === 0 } as Partial<Record<WatchFault, boolean>>;
      expect({ fault, relistsAsExpected: expected[fault] ?? true }).toEqual({ fault, relistsAsExpected: true });
    },
  );
});
