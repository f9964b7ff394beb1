import { CanaryDetails, CanaryEvent } from '@delivery/plugin-delivery-common';
import { buildCanary, metricChecks } from './build';
import {
  abTestingSpec,
  blueGreenSpec,
  canarySpec,
  gatedCanarySpec,
  mirroringSpec,
  skipAnalysisSpec,
} from './specs';

/** Canaries of one service (podinfo) and a few neighbours, one per state the Delivery tab must show. */

const IMAGE = 'ghcr.io/stefanprodan/podinfo';
const flagger = (time: string, message: string, type: CanaryEvent['type'] = 'Normal'): CanaryEvent => ({
  time,
  type,
  reason: 'Synced',
  message,
  source: 'flagger',
});

export const progressingCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'dev-eu', namespace: 'test', name: 'podinfo' },
  spec: canarySpec,
  phase: 'Progressing',
  canaryWeight: 30,
  failedChecks: 1,
  currentStep: 2,
  primaryImages: [`${IMAGE}:6.7.0`],
  canaryImages: [`${IMAGE}:6.7.1`],
  lastTransitionTime: '2025-06-02T09:00:00Z',
  message: 'New revision detected, progressing canary analysis.',
  traffic: {
    routerKind: 'TrafficSplit',
    routerName: 'podinfo',
    backends: [
      { name: 'podinfo-primary', role: 'primary', configuredWeight: 70, requestRate: 14.2, successRate: 99.93, latencyP99Ms: 212 },
      { name: 'podinfo-canary', role: 'canary', configuredWeight: 30, requestRate: 6.1, successRate: 98.2, latencyP99Ms: 301 },
    ],
    mirrored: false,
    matches: [],
    observedAt: '2025-06-02T09:00:10Z',
  },
  checks: [
    { time: '2025-06-02T08:56:30Z', kind: 'webhook', name: 'acceptance-test', passed: true, weight: 0 },
    ...metricChecks({ name: 'request-success-rate', start: '2025-06-02T08:57:00Z', stepSeconds: 60, values: [99.9, 99.7, 98.2], thresholdMin: 99 }),
    ...metricChecks({ name: 'request-duration', start: '2025-06-02T08:57:00Z', stepSeconds: 60, values: [212, 245, 301], thresholdMax: 500 }),
    { time: '2025-06-02T08:59:00Z', kind: 'webhook', name: 'load-test', passed: true, weight: 20 },
  ],
  events: [
    flagger('2025-06-02T08:56:00Z', 'New revision detected! Scaling up podinfo.test'),
    flagger('2025-06-02T08:56:30Z', 'Pre-rollout check acceptance-test passed'),
    flagger('2025-06-02T08:57:00Z', 'Advance podinfo.test canary weight 10'),
    flagger('2025-06-02T08:58:00Z', 'Advance podinfo.test canary weight 20'),
    flagger('2025-06-02T08:59:00Z', 'Halt advancement podinfo.test request-success-rate 98.20% < 99%', 'Warning'),
    flagger('2025-06-02T09:00:00Z', 'Advance podinfo.test canary weight 30'),
  ],
  runs: [
    {
      id: 'run-3', cluster: 'dev-eu', namespace: 'test', name: 'podinfo', revision: '85d557f47b',
      canaryImages: [`${IMAGE}:6.7.1`], primaryImages: [`${IMAGE}:6.7.0`], startedAt: '2025-06-02T08:56:00Z',
      outcome: 'running', maxWeightReached: 30, maxIterationReached: 0, actors: [],
    },
    {
      id: 'run-2', cluster: 'dev-eu', namespace: 'test', name: 'podinfo', revision: '7c6f4b9d45',
      canaryImages: [`${IMAGE}:6.7.0`], primaryImages: [`${IMAGE}:6.6.3`], startedAt: '2025-05-28T14:02:00Z',
      endedAt: '2025-05-28T14:11:30Z', outcome: 'succeeded', maxWeightReached: 50, maxIterationReached: 0,
      actors: [{ actor: 'user:default/jane.doe', action: 'approve', time: '2025-05-28T14:02:00Z' }],
    },
    {
      id: 'run-1', cluster: 'dev-eu', namespace: 'test', name: 'podinfo', revision: '5f8b7c9d4c',
      canaryImages: [`${IMAGE}:6.6.4`], primaryImages: [`${IMAGE}:6.6.3`], startedAt: '2025-05-20T09:15:00Z',
      endedAt: '2025-05-20T09:19:00Z', outcome: 'aborted', maxWeightReached: 20, maxIterationReached: 0,
      reason: 'Aborted by user',
      actors: [{ actor: 'user:default/sam.lee', action: 'abort', time: '2025-05-20T09:19:00Z', comment: 'wrong build' }],
    },
  ],
});

export const waitingCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'prod-us', namespace: 'test', name: 'podinfo' },
  spec: gatedCanarySpec,
  phase: 'Waiting',
  currentStep: 0,
  primaryImages: [`${IMAGE}:6.7.0`],
  canaryImages: [`${IMAGE}:6.7.1`],
  lastTransitionTime: '2025-06-02T08:40:00Z',
  message: 'Waiting for approval.',
  checks: [{ time: '2025-06-02T08:40:00Z', kind: 'webhook', name: 'release-gate', passed: false, errorClass: 'webhook-error', message: 'Forbidden' }],
  events: [
    flagger('2025-06-02T08:40:00Z', 'Halt podinfo.test advancement waiting for approval release-gate', 'Warning'),
  ],
  actions: [
    { id: 'approve', label: 'Approve', gate: 'release-gate', confirm: 'Start the rollout of podinfo:6.7.1 in prod-us?' },
    { id: 'reject', label: 'Reject', gate: 'release-gate', destructive: true },
  ],
});

export const failedCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'staging', namespace: 'test', name: 'podinfo' },
  spec: canarySpec,
  phase: 'Failed',
  // Flagger resets failedChecks to 0 when it marks a run Failed.
  failedChecks: 0,
  currentStep: 1,
  primaryImages: [`${IMAGE}:6.7.0`],
  canaryImages: [`${IMAGE}:6.7.1-rc.1`],
  lastTransitionTime: '2025-06-01T17:20:00Z',
  message: 'Canary analysis failed, Deployment scaled to zero.',
  checks: [
    ...metricChecks({ name: 'request-success-rate', start: '2025-06-01T17:15:00Z', stepSeconds: 60, values: [96.8, 94.1, 92.7, 91.3, 90.2], thresholdMin: 99 }),
    ...metricChecks({ name: 'request-duration', start: '2025-06-01T17:15:00Z', stepSeconds: 60, values: [180, 240, undefined], thresholdMax: 500 }),
    {
      time: '2025-06-01T17:18:00Z', kind: 'metric', name: 'request-duration', passed: false, thresholdMax: 500,
      errorClass: 'provider-unreachable',
      message: 'Get "http://prometheus.monitoring:9090/api/v1/query": dial tcp 10.96.0.12:9090: connect: connection refused',
    },
    {
      time: '2025-06-01T17:19:00Z', kind: 'webhook', name: 'load-test', passed: false, errorClass: 'webhook-error',
      message: 'POST http://flagger-loadtester.test/ giving up after 3 attempt(s)',
    },
  ],
  events: [
    flagger('2025-06-01T17:14:00Z', 'New revision detected! Scaling up podinfo.test'),
    flagger('2025-06-01T17:16:00Z', 'Halt advancement podinfo.test request-success-rate 96.80% < 99%', 'Warning'),
    flagger('2025-06-01T17:20:00Z', 'Rolling back podinfo.test failed checks threshold reached 5', 'Warning'),
    flagger('2025-06-01T17:20:00Z', 'Canary failed! Scaling down podinfo.test', 'Warning'),
  ],
  runs: [
    {
      id: 'run-9', cluster: 'staging', namespace: 'test', name: 'podinfo', revision: '6b9d8f4c7d',
      canaryImages: [`${IMAGE}:6.7.1-rc.1`], primaryImages: [`${IMAGE}:6.7.0`], startedAt: '2025-06-01T17:14:00Z',
      endedAt: '2025-06-01T17:20:00Z', outcome: 'failed', maxWeightReached: 20, maxIterationReached: 0,
      reason: 'Failed checks threshold reached 5', actors: [],
    },
  ],
});

export const succeededCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'prod-eu', namespace: 'test', name: 'podinfo' },
  spec: canarySpec,
  phase: 'Succeeded',
  currentStep: -1,
  primaryImages: [`${IMAGE}:6.7.0`],
  canaryImages: [`${IMAGE}:6.7.0`],
  lastTransitionTime: '2025-05-30T11:42:00Z',
  message: 'Canary analysis completed successfully, promotion finished.',
  runs: [
    {
      id: 'run-4', cluster: 'prod-eu', namespace: 'test', name: 'podinfo', canaryImages: [`${IMAGE}:6.7.0`],
      primaryImages: [`${IMAGE}:6.6.3`], startedAt: '2025-05-30T11:30:00Z', endedAt: '2025-05-30T11:42:00Z',
      outcome: 'succeeded', maxWeightReached: 50, maxIterationReached: 0, actors: [],
    },
  ],
});

export const abTestingCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'prod-eu', namespace: 'shop', name: 'checkout' },
  spec: abTestingSpec,
  phase: 'Progressing',
  iterations: 4,
  currentStep: 3,
  primaryImages: ['registry.example.com/shop/checkout:2.14.0'],
  canaryImages: ['registry.example.com/shop/checkout:2.15.0'],
  lastTransitionTime: '2025-06-02T08:59:00Z',
  message: 'New revision detected, progressing canary analysis.',
  entityRefs: ['component:shop/checkout'],
  traffic: {
    routerKind: 'Ingress',
    routerName: 'checkout-canary',
    backends: [
      { name: 'checkout-primary', role: 'primary', configuredWeight: 0, requestRate: 120.4, successRate: 99.98, latencyP99Ms: 88 },
      { name: 'checkout-canary', role: 'canary', configuredWeight: 100, requestRate: 3.2, successRate: 100, latencyP99Ms: 95 },
    ],
    mirrored: false,
    matches: ['header x-canary = "insider"', 'cookie matches ^(.*?;)?(canary=always)(;.*)?$'],
  },
  checks: metricChecks({ name: 'request-success-rate', start: '2025-06-02T08:56:00Z', stepSeconds: 60, values: [100, 99.9, 100, 99.95], thresholdMin: 99 }),
});

export const blueGreenCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'prod-us', namespace: 'payments', name: 'payments' },
  spec: blueGreenSpec,
  phase: 'WaitingPromotion',
  iterations: 4,
  currentStep: 5,
  primaryImages: ['registry.example.com/payments/api:4.2.1'],
  canaryImages: ['registry.example.com/payments/api:4.3.0'],
  lastTransitionTime: '2025-06-02T08:50:00Z',
  message: 'Waiting for approval.',
  entityRefs: ['component:payments/payments'],
  traffic: {
    routerKind: 'Service',
    routerName: 'payments',
    backends: [
      { name: 'payments-primary', role: 'primary', configuredWeight: 100, requestRate: 42 },
      { name: 'payments-canary', role: 'canary', configuredWeight: 0 },
    ],
    mirrored: false,
    matches: [],
    observedError: 'latency is not measured for the kubernetes provider',
  },
  checks: metricChecks({ name: 'request-success-rate', start: '2025-06-02T08:48:00Z', stepSeconds: 30, values: [100, 100, 99.9, 100], thresholdMin: 99 }),
});

export const mirroringCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'prod-eu', namespace: 'search', name: 'search' },
  spec: mirroringSpec,
  phase: 'Progressing',
  iterations: 1,
  currentStep: 0,
  primaryImages: ['registry.example.com/search/api:9.0.2'],
  canaryImages: ['registry.example.com/search/api:9.1.0'],
  lastTransitionTime: '2025-06-02T08:58:00Z',
  entityRefs: ['component:default/search'],
  traffic: {
    routerKind: 'VirtualService',
    routerName: 'search',
    backends: [
      { name: 'search-primary', role: 'primary', configuredWeight: 100, requestRate: 310, successRate: 99.99, latencyP99Ms: 41 },
      { name: 'search-canary', role: 'canary', configuredWeight: 0, requestRate: 309, successRate: 99.97, latencyP99Ms: 44 },
    ],
    mirrored: true,
    matches: [],
  },
});

export const skipAnalysisCanary: CanaryDetails = buildCanary({
  ref: { cluster: 'dev-eu', namespace: 'docs', name: 'docs' },
  spec: skipAnalysisSpec,
  phase: 'Succeeded',
  currentStep: -1,
  primaryImages: ['registry.example.com/docs/site:1.0.9'],
  canaryImages: ['registry.example.com/docs/site:1.0.9'],
  lastTransitionTime: '2025-05-12T07:00:00Z',
  entityRefs: [],
});
