import { Entity } from '@backstage/catalog-model';
import { AnyApiFactory, alertApiRef, configApiRef } from '@backstage/core-plugin-api';
import { EntityProvider, entityRouteRef } from '@backstage/plugin-catalog-react';
import { PermissionApi, permissionApiRef } from '@backstage/plugin-permission-react';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import { TestApiProvider, mockApis, renderInTestApp } from '@backstage/test-utils';
import { ReactElement } from 'react';
import { DeliveryApi, deliveryApiRef } from '../api';

type SignalMessage = Parameters<Parameters<SignalApi['subscribe']>[1]>[0];

/** A SignalApi whose messages the test sends by hand. */
export class ManualSignalApi implements SignalApi {
  private readonly listeners = new Map<string, Set<(message: SignalMessage) => void>>();

  subscribe<TMessage extends SignalMessage = SignalMessage>(
    channel: string,
    onMessage: (message: TMessage) => void,
  ) {
    const set = this.listeners.get(channel) ?? new Set();
    // Messages are whatever the test publishes; the subscriber's narrower type is its own claim.
    const listener = onMessage as (message: SignalMessage) => void;
    set.add(listener);
    this.listeners.set(channel, set);
    return { unsubscribe: () => void set.delete(listener) };
  }

  publish(channel: string, message: SignalMessage): void {
    this.listeners.get(channel)?.forEach(listener => listener(message));
  }

  subscriberCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}

export interface RenderOptions {
  api: DeliveryApi;
  entity?: Entity;
  signals?: SignalApi;
  config?: object;
  alerts?: { post: jest.Mock };
  route?: string;
  /** Default: everything allowed. */
  permission?: PermissionApi;
}

/** Renders `element` in a test app with our API, config, optional signals, and the catalog's entity route. */
export function renderDelivery(element: ReactElement, options: RenderOptions) {
  const apis: Array<[AnyApiFactory['api'], unknown]> = [
    [deliveryApiRef, options.api],
    [configApiRef, mockApis.config({ data: options.config ?? {} })],
    [alertApiRef, options.alerts ?? { post: jest.fn() }],
    [permissionApiRef, options.permission ?? mockApis.permission()],
  ];
  if (options.signals) apis.push([signalApiRef, options.signals]);
  const content = options.entity ? <EntityProvider entity={options.entity}>{element}</EntityProvider> : element;
  return renderInTestApp(
    <TestApiProvider apis={apis as Parameters<typeof TestApiProvider>[0]['apis']}>{content}</TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: options.route ? [options.route] : undefined,
    },
  );
}
