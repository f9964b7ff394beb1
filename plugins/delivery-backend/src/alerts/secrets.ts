import { resourcePath, type KubeTransport } from '../kube/clusters';
import { KINDS, KubeApiError } from '../kube/types';
import type { SecretObject } from '../reconciler/types';
import type { SecretGetter } from './providers';

/** One GET of a Secret (404 → undefined), for AlertProvider secrets the watch caches do not hold. */
export function secretGetter(transport: KubeTransport, timeoutMs = 5000): SecretGetter {
  return async (namespace, name, signal) => {
    try {
      return await transport.request<SecretObject>({
        path: resourcePath(KINDS.secret, namespace, name),
        signal,
        timeoutMs,
      });
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  };
}
