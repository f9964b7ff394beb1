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
import { DeliveryApi } from './DeliveryApi';

/** DeliveryApi over HTTP: `discoveryApi` finds the backend, `fetchApi` adds the user's Backstage token. */
export class DeliveryClient implements DeliveryApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getEntityCanaries(entityRef: string): Promise<EntityCanaries> {
    return this.get(`/entity-canaries?${new URLSearchParams({ entityRef })}`);
  }

  getCanary(ref: CanaryRef): Promise<CanaryDetails> {
    const path = [ref.cluster, ref.namespace, ref.name].map(encodeURIComponent).join('/');
    return this.get(`/canaries/${path}`);
  }

  getFleet(query: FleetQuery): Promise<FleetPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === '') continue;
      if (Array.isArray(value)) value.forEach(v => params.append(key, String(v)));
      else params.set(key, String(value));
    }
    return this.get(`/fleet?${params}`);
  }

  async getClusters(): Promise<ClusterHealth[]> {
    const body = await this.get<{ items: ClusterHealth[] }>('/clusters');
    return body.items;
  }

  private async get<T>(path: string): Promise<T> {
    const base = await this.discoveryApi.getBaseUrl('delivery');
    const response = await this.fetchApi.fetch(`${base}${path}`);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
