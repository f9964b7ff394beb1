/**
 * The demo's release CLI (wrapped by scripts/demo/release): changes podinfo in the running demo's clusters through
 * the Kubernetes API, exactly as a CD pipeline would, and lets the reconciler do the rest.
 */
import { type ClusterAccess, kubeRequest } from './kube.ts';
import { type DemoState, readState } from './state.ts';

const IMAGE_REPO = 'ghcr.io/stefanprodan/podinfo';
const USAGE = `usage: scripts/demo/release good [dev|prod|all]   healthy version (default all)
       scripts/demo/release bad  [dev|prod|all]   broken version, tag ends in -bad (default dev)
       scripts/demo/release pause|resume [dev|prod|all]   (default all)
       scripts/demo/release status`;

interface Deployment {
  spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
}
interface Canary {
  spec?: { suspend?: boolean };
  status?: { phase?: string; canaryWeight?: number; failedChecks?: number; lastTransitionTime?: string };
}

/** `6.5.2` or `6.5.2-bad` → [6, 5, 2]; anything else → undefined. */
export function parseVersion(tag: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(-bad)?$/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** The next patch version above every tag seen, so each release is a new revision everywhere. */
export function nextVersion(tags: string[]): string {
  let best: [number, number, number] = [6, 5, 0];
  for (const t of tags) {
    const v = parseVersion(t);
    if (v && (v[0] > best[0] || (v[0] === best[0] && (v[1] > best[1] || (v[1] === best[1] && v[2] > best[2]))))) best = v;
  }
  return `${best[0]}.${best[1]}.${best[2] + 1}`;
}

function pick(state: DemoState, arg: string | undefined, fallback: 'all' | string): ClusterAccess[] {
  const which = arg ?? fallback;
  if (which === 'all') return state.clusters;
  const found = state.clusters.filter(c => c.name === which);
  if (!found.length) {
    throw new Error(`unknown cluster "${which}"; the demo runs ${state.clusters.map(c => c.name).join(', ')} (or use all)`);
  }
  return found;
}

const deploymentPath = (s: DemoState, name: string) => `/apis/apps/v1/namespaces/${s.namespace}/deployments/${name}`;
const canaryPath = (s: DemoState) => `/apis/flagger.app/v1beta1/namespaces/${s.namespace}/canaries/${s.target}`;
const tagOf = (image: string | undefined) => (image?.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'latest');

async function imageOf(s: DemoState, c: ClusterAccess, name: string): Promise<string | undefined> {
  try {
    const d = await kubeRequest<Deployment>(c, 'GET', deploymentPath(s, name));
    return d.spec.template.spec.containers[0]?.image;
  } catch {
    return undefined;
  }
}

async function release(s: DemoState, clusters: ClusterAccess[], bad: boolean) {
  // Tags from every cluster (targets and primaries), so a version is never reused for a different build.
  const tags: string[] = [];
  for (const c of s.clusters) {
    for (const name of [s.target, `${s.target}-primary`]) tags.push(tagOf(await imageOf(s, c, name)));
  }
  const tag = `${nextVersion(tags)}${bad ? '-bad' : ''}`;
  const image = `${IMAGE_REPO}:${tag}`;
  for (const c of clusters) {
    const d = await kubeRequest<Deployment>(c, 'GET', deploymentPath(s, s.target));
    const container = d.spec.template.spec.containers[0].name;
    await kubeRequest(
      c,
      'PATCH',
      deploymentPath(s, s.target),
      { spec: { template: { spec: { containers: [{ name: container, image }] } } } },
      'application/strategic-merge-patch+json',
    );
    process.stdout.write(`${c.name}: ${s.namespace}/${s.target} → ${image}\n`);
  }
  const names = clusters.map(c => c.name).join(' and ');
  process.stdout.write(
    bad
      ? `\nA broken build: the simulated data plane fails 20 % of its requests and answers slowly. Watch ${names} on the\n` +
          `Delivery tab: the canary gets 20 % of the traffic, request-success-rate drops below 99 %, and after two failed\n` +
          `checks it is rolled back, with the numbers on the tab.\n`
      : `\nThe canary starts within ~10 s: 20 → 40 → 60 % of the traffic, checked every 10 s.` +
          (clusters.some(c => c.name === 'prod')
            ? `\nprod then waits at its confirm-promotion gate: approve it on the Delivery tab.\n`
            : '\n'),
  );
  process.stdout.write(`Tab: ${s.url}\n`);
}

async function suspend(s: DemoState, clusters: ClusterAccess[], value: boolean) {
  for (const c of clusters) {
    await kubeRequest(c, 'PATCH', canaryPath(s), { spec: { suspend: value } }, 'application/merge-patch+json');
    process.stdout.write(`${c.name}: canary ${s.namespace}/${s.target} ${value ? 'paused (spec.suspend: true)' : 'resumed'}\n`);
  }
}

async function status(s: DemoState) {
  for (const c of s.clusters) {
    const canary = await kubeRequest<Canary>(c, 'GET', canaryPath(s)).catch((e: Error) => e);
    const [target, primary] = [await imageOf(s, c, s.target), await imageOf(s, c, `${s.target}-primary`)];
    if (canary instanceof Error) {
      process.stdout.write(`${c.name}: ${canary.message}\n`);
      continue;
    }
    const st = canary.status ?? {};
    process.stdout.write(
      `${c.name}: ${st.phase ?? 'not initialised yet'}${canary.spec?.suspend ? ' (paused)' : ''}, canary weight ` +
        `${st.canaryWeight ?? 0} %, failed checks ${st.failedChecks ?? 0}; primary ${tagOf(primary)}, target ${tagOf(target)}\n`,
    );
  }
  try {
    const res = await fetch(`${s.simulatorUrl}/state`, { signal: AbortSignal.timeout(3000) });
    const sim = (await res.json()) as Array<{ cluster: string; versions: Array<{ deployment: string; tag: string; share: number }> }>;
    for (const t of sim) {
      const split = t.versions.map(v => `${v.deployment} (${v.tag}) ${Math.round(v.share * 100)} %`).join(', ');
      process.stdout.write(`${t.cluster} traffic (simulated): ${split}\n`);
    }
  } catch (e) {
    process.stdout.write(`simulator not reachable: ${(e as Error).message}\n`);
  }
  process.stdout.write(`Tab: ${s.url}\n`);
}

async function main() {
  const [command, arg] = process.argv.slice(2);
  if (!command || command === '-h' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const s = readState();
  switch (command) {
    case 'good':
      return release(s, pick(s, arg, 'all'), false);
    case 'bad':
      return release(s, pick(s, arg, 'dev'), true);
    case 'pause':
      return suspend(s, pick(s, arg, 'all'), true);
    case 'resume':
      return suspend(s, pick(s, arg, 'all'), false);
    case 'status':
      return status(s);
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`release: ${e.message}\n`);
  process.exit(1);
});
