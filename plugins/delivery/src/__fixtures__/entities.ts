import { Entity } from '@backstage/catalog-model';
import {
  CanaryDetails,
  CanarySummary,
  ClusterHealth,
  EntityCanaries,
  KUBERNETES_ID_ANNOTATION,
} from '@delivery/plugin-delivery-common';
import {
  abTestingCanary,
  blueGreenCanary,
  failedCanary,
  mirroringCanary,
  progressingCanary,
  skipAnalysisCanary,
  succeededCanary,
  waitingCanary,
} from './canaries';

export const podinfoEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'podinfo',
    namespace: 'default',
    annotations: { [KUBERNETES_ID_ANNOTATION]: 'podinfo' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

export const unannotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'legacy-batch', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

export const clusters: Record<string, ClusterHealth> = {
  devEu: { name: 'dev-eu', state: 'synced', controller: 'delivery', canaryCount: 2, lastSyncTime: '2025-06-02T09:00:05Z' },
  prodEu: {
    name: 'prod-eu', state: 'synced', controller: 'flagger', canaryCount: 3, lastSyncTime: '2025-06-02T09:00:04Z',
    dashboardUrl: 'https://k8s-dashboard.prod-eu.example.com/',
  },
  prodUs: { name: 'prod-us', state: 'synced', controller: 'delivery', canaryCount: 2, lastSyncTime: '2025-06-02T09:00:03Z' },
  staging: {
    name: 'staging', state: 'stale', controller: 'delivery', canaryCount: 1, lastSyncTime: '2025-06-02T08:52:00Z',
    message: 'watch of canaries restarting after: too old resource version',
  },
  edgeAp: {
    name: 'edge-ap', state: 'unreachable', controller: 'flagger', canaryCount: 0,
    message: 'connect ECONNREFUSED 10.0.4.2:6443',
  },
  sandbox: {
    name: 'sandbox', state: 'unauthorized', controller: 'delivery', canaryCount: 0,
    message: '401 Unauthorized: the service account token was rejected',
  },
};

/** The summary part of a CanaryDetails, as getEntityCanaries and getFleet serve it. */
export function summaryOf(details: CanaryDetails): CanarySummary {
  const {
    plannedSteps: _p, currentStep: _c, interval: _i, progressDeadlineSeconds: _d, status: _s, metrics: _m,
    webhooks: _w, traffic: _t, checks: _ch, events: _e, runs: _r, generatedObjects: _g, yaml: _y, links: _l,
    actions: _a, ...summary
  } = details;
  return summary;
}

export const podinfoCanaries: CanaryDetails[] = [progressingCanary, waitingCanary, failedCanary, succeededCanary];

/** The podinfo tab: four canaries on four clusters, one cluster stale and two out of reach. */
export const podinfoEntityCanaries: EntityCanaries = {
  items: podinfoCanaries.map(summaryOf),
  clusters: [clusters.devEu, clusters.prodEu, clusters.prodUs, clusters.staging, clusters.edgeAp, clusters.sandbox],
  searched: {
    clusters: ['dev-eu', 'prod-eu', 'prod-us', 'staging', 'edge-ap', 'sandbox'],
    selector: 'backstage.io/kubernetes-id=podinfo',
  },
  notInstalled: false,
};

export const noCanaries: EntityCanaries = {
  items: [],
  clusters: [clusters.devEu, clusters.prodEu],
  searched: { clusters: ['dev-eu', 'prod-eu'], selector: 'backstage.io/kubernetes-id=podinfo', namespace: 'test' },
  notInstalled: false,
};

export const flaggerNotInstalled: EntityCanaries = {
  items: [],
  clusters: [
    { name: 'dev-eu', state: 'not-installed', controller: 'flagger', canaryCount: 0, message: 'canaries.flagger.app not served' },
  ],
  searched: { clusters: ['dev-eu'], selector: 'backstage.io/kubernetes-id=podinfo' },
  notInstalled: true,
};

/** Every fixture canary, for the fleet page and the demo. */
export const allCanaries: CanaryDetails[] = [
  progressingCanary,
  waitingCanary,
  failedCanary,
  succeededCanary,
  abTestingCanary,
  blueGreenCanary,
  mirroringCanary,
  skipAnalysisCanary,
];
