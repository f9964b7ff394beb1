/* eslint-disable @backstage/no-relative-monorepo-imports -- the real plugin in a
   test backend; the Backstage test utilities are hoisted workspace dependencies of plugins/delivery-backend */
import { AddressInfo } from 'node:net';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { NotificationSendOptions, notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { SignalPayload, signalsServiceRef } from '@backstage/plugin-signals-node';
import type { ClusterConfig } from '../../../../plugins/delivery-backend/src/config';
import { deliveryPlugin } from '../../../../plugins/delivery-backend/src/plugin';

export interface RecordedSignal {
  at: number;
  payload: SignalPayload;
}

/** One closed `coreServices.auditor` event: how it ended and its metadata (the action routes name the actor). */
export interface RecordedAudit {
  eventId: string;
  status: 'success' | 'fail';
  meta: Record<string, unknown>;
}

export interface DeliveryTestBackend {
  /** `http://127.0.0.1:<port>/api/delivery`, for callers that bring their own credentials (or none). */
  baseUrl: string;
  /** GET on /api/delivery as `user` (default user:default/guest), returning status, body and server time. */
  get<T = any>(path: string, user?: string): Promise<{ status: number; body: T; ms: number }>;
  /** POST of a JSON body on /api/delivery as `user`. */
  post<T = any>(path: string, body: unknown, user: string): Promise<{ status: number; body: T }>;
  signals: RecordedSignal[];
  audits: RecordedAudit[];
  /** What the plugin asked the notifications service to send. */
  notifications: NotificationSendOptions[];
  stop(): Promise<void>;
}

export interface DeliveryTestBackendOptions {
  clusters: ClusterConfig[];
  /** The read decision per user; default ALLOW for everyone. */
  decide?: (user: string) => PolicyDecision;
  entities?: Entity[];
  /** Entity refs the catalog hides from a user (returns undefined for them), as a catalog permission policy would. */
  hiddenFrom?: (user: string, entityRef: string) => boolean;
  /** Extra `delivery.*` config. */
  delivery?: Record<string, unknown>;
  /** `backend.database` config; default an in-memory SQLite per plugin. */
  database?: Record<string, unknown>;
}

/**
 * The real Delivery plugin in a Backstage test backend, with mock permissions and catalog and a signals service that
 * records what it is asked to publish. Everything between HTTP and the clusters is production code.
 */
export async function startDeliveryBackend(o: DeliveryTestBackendOptions): Promise<DeliveryTestBackend> {
  const signals: RecordedSignal[] = [];
  const audits: RecordedAudit[] = [];
  const notifications: NotificationSendOptions[] = [];
  const entities = o.entities ?? [];
  const catalog = catalogServiceMock.mock({
    getEntities: async () => ({ items: entities }),
    getEntityByRef: async (ref, options) => {
      const credentials = options && 'credentials' in options ? options.credentials : undefined;
      const user = (credentials?.principal as { userEntityRef?: string } | undefined)?.userEntityRef ?? '';
      const want = typeof ref === 'string' ? ref : `${ref.kind}:${ref.namespace}/${ref.name}`.toLocaleLowerCase('en-US');
      if (o.hiddenFrom?.(user, want)) return undefined;
      return entities.find(
        e => `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLocaleLowerCase('en-US') === want,
      );
    },
  });
  const decide = o.decide ?? (() => ({ result: AuthorizeResult.ALLOW }) as PolicyDecision);
  const backend = await startTestBackend({
    features: [
      deliveryPlugin,
      mockServices.rootConfig.factory({
        data: {
          delivery: { clusters: o.clusters as never, ...o.delivery },
          ...(o.database ? { backend: { database: o.database as never } } : {}),
        },
      }),
      mockServices.permissions.mock({
        authorizeConditional: async (requests, options) => {
          const user = (options.credentials.principal as { userEntityRef?: string }).userEntityRef ?? '';
          return requests.map(() => decide(user)) as never;
        },
      }).factory,
      mockServices.auditor.mock({
        createEvent: async ({ eventId, meta }) => {
          const close = (status: RecordedAudit['status']) => async (closing?: { meta?: Record<string, unknown> }) => {
            audits.push({ eventId, status, meta: { ...meta, ...closing?.meta } });
          };
          return { success: close('success'), fail: close('fail') };
        },
      }).factory,
      createServiceFactory({ service: catalogServiceRef, deps: {}, factory: () => catalog }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (options: NotificationSendOptions) => {
            notifications.push(options);
          },
        }),
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          publish: async (payload: SignalPayload) => {
            signals.push({ at: Date.now(), payload });
          },
        }),
      }),
    ],
  });
  const base = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}/api/delivery`;
  return {
    baseUrl: base,
    signals,
    audits,
    notifications,
    async get(path, user = 'user:default/guest') {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, {
        headers: { Authorization: mockCredentials.user.header(user) },
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.json();
      return { status: res.status, body, ms: performance.now() - started };
    },
    async post(path, body, user) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { Authorization: mockCredentials.user.header(user), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, body: await res.json() };
    },
    stop: () => backend.stop(),
  };
}
