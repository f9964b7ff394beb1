import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CanaryDetails,
  CanaryRef,
  ClusterHealth,
  EntityCanaries,
  FleetPage,
  FleetQuery,
} from '@delivery/plugin-delivery-common';
import { CanaryActionRequest, DeliveryApi, RequestOptions } from './DeliveryApi';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface DeliveryClientOptions {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
  /** Deadline of one request; the aggregator answers from its cache, so anything slower is a failure. */
  timeoutMs?: number;
}

function canaryPath(ref: CanaryRef): string {
  return [ref.cluster, ref.namespace, ref.name].map(encodeURIComponent).join('/');
}

/** DeliveryApi over HTTP: `discoveryApi` finds the backend, `fetchApi` adds the user's Backstage token. */
export class DeliveryClient implements DeliveryApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  private readonly timeoutMs: number;

  constructor(options: DeliveryClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  getEntityCanaries(entityRef: string, options?: RequestOptions): Promise<EntityCanaries> {
    return this.request(`/entity-canaries?${new URLSearchParams({ entityRef })}`, options);
  }

  getCanary(ref: CanaryRef, options?: RequestOptions): Promise<CanaryDetails> {
    return this.request(`/canaries/${canaryPath(ref)}`, options);
  }

  getFleet(query: FleetQuery, options?: RequestOptions): Promise<FleetPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === '') continue;
      if (Array.isArray(value)) value.forEach(v => params.append(key, String(v)));
      else params.set(key, String(value));
    }
    return this.request(`/fleet?${params}`, options);
  }

  async getClusters(options?: RequestOptions): Promise<ClusterHealth[]> {
    const body = await this.request<{ items: ClusterHealth[] }>('/clusters', options);
    return body.items;
  }

  async performAction(
    ref: CanaryRef,
    request: CanaryActionRequest,
    options?: RequestOptions,
  ): Promise<void> {
    const { action, ...body } = request;
    await this.request(`/canaries/${canaryPath(ref)}/actions/${encodeURIComponent(action)}`, {
      ...options,
      method: 'POST',
      body,
    });
  }

  private async request<T>(
    path: string,
    options: RequestOptions & { method?: 'GET' | 'POST'; body?: object } = {},
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`Delivery backend did not answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    const forwardAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', forwardAbort);
    try {
      const base = await this.discoveryApi.getBaseUrl('delivery');
      const response = await this.fetchApi.fetch(`${base}${path}`, {
        method: options.method ?? 'GET',
        signal: controller.signal,
        ...(options.body && {
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(options.body),
        }),
      });
      if (!response.ok) throw await ResponseError.fromResponse(response);
      if (response.status === 204) return undefined as T;
      return (await response.json()) as T;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', forwardAbort);
    }
  }
}
