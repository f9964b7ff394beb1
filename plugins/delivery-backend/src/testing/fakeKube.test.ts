import {
  KINDS,
  KubeApiError,
  KubeConflictError,
  type KubeObject,
} from '../kube/types';
import { FakeKube, applyMergePatch } from './fakeKube';

const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'test' },
  data,
});

describe('FakeKube', () => {
  it('bumps resourceVersion on every write and generation only on spec changes', async () => {
    const kube = new FakeKube();
    const created = await kube.create(KINDS.configMap, cm({ a: '1' }));
    expect(created.metadata.generation).toBe(1);
    const labelled = await kube.update<KubeObject>(
      KINDS.configMap,
      'test',
      'cfg',
      c => ({ ...c!, metadata: { ...c!.metadata, labels: { x: 'y' } } }),
    );
    expect(Number(labelled!.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    expect(labelled!.metadata.generation).toBe(1);
    const changed = await kube.update<KubeObject>(
      KINDS.configMap,
      'test',
      'cfg',
      c => ({ ...c!, data: { a: '2' } }),
    );
    expect(changed!.metadata.generation).toBe(2);
  });

  it('rejects a stale write with 409 and retries update on conflict', async () => {
    const kube = new FakeKube();
    const created = await kube.create(KINDS.configMap, cm({ a: '1' }));
    kube.seed(KINDS.configMap, cm({ a: 'other' }));
    expect(() => kube.replace(KINDS.configMap, created)).toThrow(
      expect.objectContaining({ status: 409 }),
    );
    let attempts = 0;
    kube.beforeWrite = () => {
      if (attempts++ === 0) kube.seed(KINDS.configMap, cm({ a: 'racer' }));
    };
    const seen: string[] = [];
    await kube.update<KubeObject>(KINDS.configMap, 'test', 'cfg', c => {
      seen.push((c!.data as Record<string, string>).a);
      return { ...c!, data: { a: 'mine' } };
    });
    expect(seen).toEqual(['other', 'racer']);
    expect(kube.get<KubeObject>(KINDS.configMap, 'test', 'cfg')!.data).toEqual({
      a: 'mine',
    });
  });

  it('gives up with KubeConflictError when every attempt conflicts', async () => {
    const kube = new FakeKube();
    await kube.create(KINDS.configMap, cm({ a: '1' }));
    kube.beforeWrite = () =>
      void kube.seed(KINDS.configMap, cm({ a: String(Math.random()) }));
    await expect(
      kube.update<KubeObject>(KINDS.configMap, 'test', 'cfg', c => ({
        ...c!,
        data: { a: 'x' },
      })),
    ).rejects.toThrow(KubeConflictError);
  });

  it('keeps status apart from the main resource', async () => {
    const kube = new FakeKube();
    await kube.create(KINDS.canary, {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'c', namespace: 'test' },
      spec: { a: 1 },
    });
    await kube.updateStatus<KubeObject>(KINDS.canary, 'test', 'c', () => ({
      phase: 'Progressing',
    }));
    const updated = await kube.update<KubeObject>(
      KINDS.canary,
      'test',
      'c',
      c => ({ ...c!, spec: { a: 2 }, status: { phase: 'Failed' } }),
    );
    expect(updated!.status).toEqual({ phase: 'Progressing' });
    expect(updated!.spec).toEqual({ a: 2 });
  });

  it('returns copies, so callers cannot change stored objects', async () => {
    const kube = new FakeKube();
    await kube.create(KINDS.configMap, cm({ a: '1' }));
    (
      kube.get<KubeObject>(KINDS.configMap, 'test', 'cfg')!.data as Record<
        string,
        string
      >
    ).a = 'changed';
    expect(kube.get<KubeObject>(KINDS.configMap, 'test', 'cfg')!.data).toEqual({
      a: '1',
    });
  });

  it('merge-patches and 404s on missing objects', async () => {
    const kube = new FakeKube();
    await expect(
      kube.mergePatch(KINDS.configMap, 'test', 'cfg', {}),
    ).rejects.toBeInstanceOf(KubeApiError);
    await kube.create(KINDS.configMap, cm({ a: '1', b: '2' }));
    const patched = await kube.mergePatch<KubeObject>(
      KINDS.configMap,
      'test',
      'cfg',
      { data: { a: null, c: '3' } },
    );
    expect(patched.data).toEqual({ b: '2', c: '3' });
  });

  it('implements RFC 7386 examples', () => {
    expect(
      applyMergePatch(
        { a: 'b', c: { d: 'e', f: 'g' } },
        { a: 'z', c: { f: null } },
      ),
    ).toEqual({ a: 'z', c: { d: 'e' } });
    expect(applyMergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    expect(applyMergePatch({ a: 'b' }, ['c'])).toEqual(['c']);
  });
});
