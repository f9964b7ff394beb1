import type { Canary, CanaryRef, WebhookType } from '@delivery/plugin-delivery-common';
import type { GateResolver } from '../webhooks/gates';
import { runKeyOf } from './policy';
import { GateKey, GateStore, GateType, isGateType } from './types';

/** Path of the gate endpoints inside the plugin; the full URL is `<backend>/api/delivery/gates/...`. */
export const GATES_PATH = '/gates';
const GATE_URL_PATH = /\/api\/delivery\/gates(\/|$)/;

/**
 * True when a webhook URL points at a Delivery backend's gate endpoint, in either form:
 * `…/api/delivery/gates/<type>` (our reconciler) or `…/api/delivery/gates/<cluster>/<secret>/<type>` (upstream
 * Flagger). The host is not compared: every replica answers from the same store, and a Canary migrated from upstream
 * Flagger to our reconciler keeps working with its old URL.
 */
export function isGateUrl(url: string): boolean {
  try {
    return GATE_URL_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

export function gateKeyOf(ref: CanaryRef, canary: Pick<Canary, 'status'>, type: GateType): GateKey {
  return { ...ref, runKey: runKeyOf(canary), type };
}

/** Whether the gate of this canary's current run is open (for `rollback`: whether a rollback was requested). */
export async function isGateOpen(store: GateStore, ref: CanaryRef, canary: Canary, type: GateType): Promise<boolean> {
  const gate = await store.get(gateKeyOf(ref, canary, type));
  return gate?.state === 'open';
}

function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The GateResolver our reconciler's webhook caller uses for one cluster: gate hooks pointing at this backend are
 * answered from the gate store, with no HTTP call to ourselves. Build one per reconciled cluster.
 */
export class StoreGateResolver implements GateResolver {
  constructor(private readonly options: { store: GateStore; cluster: string }) {}

  handles(url: string): boolean {
    return isGateUrl(url);
  }

  async isOpen(canary: Canary, type: WebhookType, opts?: { signal?: AbortSignal }): Promise<boolean> {
    // Only gate types have a gate; any other hook type pointed at us stays closed rather than passing silently.
    if (!isGateType(type)) return false;
    const ref = { cluster: this.options.cluster, namespace: canary.metadata.namespace ?? '', name: canary.metadata.name };
    return abortable(isGateOpen(this.options.store, ref, canary, type), opts?.signal);
  }
}
