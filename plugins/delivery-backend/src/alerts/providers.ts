import type { AlertProvider } from '@delivery/plugin-delivery-common';
import { KINDS, type ObjectReader, type ResourceKind } from '../kube/types';
import type { SecretObject } from '../reconciler/types';
import { ALERT_PROVIDER_TYPES, type AlertProviderType, type ResolvedProvider } from './types';

/**
 * Turns an `analysis.alerts[].providerRef` into a destination (a.4): the AlertProvider from the watch cache, its
 * Secret's `address` (required when `secretRef` is set, overrides `spec.address`) and optional `token`, Flagger's
 * defaults for `username` (`flagger`) and `channel` (`general`). Failures come back as the text to log, never thrown:
 * one broken provider must not stop the others.
 */

/** Reads one Secret; resolves undefined when it does not exist. */
export type SecretGetter = (namespace: string, name: string, signal: AbortSignal) => Promise<SecretObject | undefined>;

export interface ProviderSources {
  reader: ObjectReader;
  /** Whether a kind's watch has listed once (ClusterCache.hasSynced); every kind counts as synced when absent. */
  isSynced?: (kind: ResourceKind) => boolean;
  /** Reads a Secret the caches do not hold (a GET, only when an alert is sent). */
  getSecret: SecretGetter;
}

export type ProviderResolution = { provider: ResolvedProvider } | { error: string };

const DEFAULT_USERNAME = 'flagger';
const DEFAULT_CHANNEL = 'general';

export function isAlertProviderType(t: string): t is AlertProviderType {
  return (ALERT_PROVIDER_TYPES as readonly string[]).includes(t);
}

/** Waits (bounded by `signal`) until a kind's first LIST has completed, so "absent" means absent. */
async function synced(sources: ProviderSources, kind: ResourceKind, signal: AbortSignal): Promise<boolean> {
  const isSynced = sources.isSynced;
  if (!isSynced) return true;
  while (!isSynced(kind)) {
    if (signal.aborted) return false;
    await new Promise(r => setTimeout(r, 50));
  }
  return true;
}

/**
 * A Secret from the cache when its kind is already watched (config tracking starts that watch), else one GET: an
 * alert is rare, and watching every Secret of the cluster only to send one would cost far more.
 */
async function readSecret(sources: ProviderSources, ns: string, name: string, signal: AbortSignal) {
  if (sources.isSynced?.(KINDS.secret)) return sources.reader.get(KINDS.secret, ns, name) as SecretObject | undefined;
  return sources.getSecret(ns, name, signal);
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8').trim();

function checkUrl(type: AlertProviderType, url: string, label: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
  } catch {
    // reported below
  }
  // The URL is usually a credential: name where it came from, not its text.
  return `${label}: invalid ${type} hook URL; expected an http(s) URL`;
}

export async function resolveAlertProvider(
  sources: ProviderSources,
  ref: { name: string; namespace: string },
  signal: AbortSignal,
): Promise<ProviderResolution> {
  const label = `alert provider ${ref.name}.${ref.namespace}`;
  // Starts the AlertProvider watch on first use; later alerts are answered from memory.
  sources.reader.get(KINDS.alertProvider, ref.namespace, ref.name);
  if (!(await synced(sources, KINDS.alertProvider, signal))) {
    return { error: `${label} error: the AlertProvider watch has not listed yet` };
  }
  const ap = sources.reader.get(KINDS.alertProvider, ref.namespace, ref.name) as unknown as AlertProvider | undefined;
  if (!ap) return { error: `${label} error: alertprovider.flagger.app "${ref.name}" not found` };
  const spec = ap.spec ?? {};
  if (!isAlertProviderType(spec.type)) {
    return { error: `${label} error: provider ${spec.type} not supported; use one of ${ALERT_PROVIDER_TYPES.join(', ')}` };
  }

  let url = spec.address ?? '';
  let token: string | undefined;
  if (spec.secretRef?.name) {
    let secret: SecretObject | undefined;
    try {
      secret = await readSecret(sources, ref.namespace, spec.secretRef.name, signal);
    } catch (e) {
      return { error: `${label} secretRef error: ${(e as Error).message}` };
    }
    if (!secret) return { error: `${label} secretRef error: secrets "${spec.secretRef.name}" not found` };
    if (!secret.data?.address) return { error: `${label} secret does not contain an address` };
    url = decode(secret.data.address);
    if (secret.data.token) token = decode(secret.data.token);
  }
  if (!url) return { error: `${label} has no address: set spec.address, or spec.secretRef to a Secret with key address` };
  const bad = checkUrl(spec.type, url, label);
  if (bad) return { error: bad };
  return {
    provider: {
      type: spec.type,
      url,
      channel: spec.channel || DEFAULT_CHANNEL,
      username: spec.username || DEFAULT_USERNAME,
      ...(spec.proxy ? { proxy: spec.proxy } : {}),
      ...(token ? { token } : {}),
      label,
    },
  };
}

/** The controller-wide notifier from config (Flagger's `-slack-url` / `-msteams-url` flags). */
export interface GlobalNotifierConfig {
  type: AlertProviderType;
  url: string;
  channel?: string;
  username?: string;
  proxy?: string;
  token?: string;
}

export function globalProvider(c: GlobalNotifierConfig): ResolvedProvider {
  return {
    type: c.type,
    url: c.url,
    channel: c.channel || DEFAULT_CHANNEL,
    username: c.username || DEFAULT_USERNAME,
    ...(c.proxy ? { proxy: c.proxy } : {}),
    ...(c.token ? { token: c.token } : {}),
    label: 'global notifier',
  };
}
