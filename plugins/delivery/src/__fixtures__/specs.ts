import { CanarySpec } from '@delivery/plugin-delivery-common';

/**
 * Canary specs behind the fixtures, shaped like the ones in Flagger's tutorials (podinfo behind Linkerd, NGINX
 * and plain Kubernetes services), so planned steps are computed by the real maths rather than written by hand.
 */

const successRate = { name: 'request-success-rate', interval: '1m', thresholdRange: { min: 99 } };
const duration = { name: 'request-duration', interval: '30s', thresholdRange: { max: 500 } };
const loadTest = {
  name: 'load-test',
  type: 'rollout' as const,
  url: 'http://flagger-loadtester.test/',
  metadata: { cmd: 'hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/' },
};
const acceptance = {
  name: 'acceptance-test',
  type: 'pre-rollout' as const,
  url: 'http://flagger-loadtester.test/',
  metadata: { type: 'bash', cmd: 'curl -s http://podinfo-canary.test:9898/token | grep token' },
};

export const canarySpec: CanarySpec = {
  provider: 'linkerd',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
  service: { port: 9898 },
  progressDeadlineSeconds: 60,
  analysis: {
    interval: '1m',
    threshold: 5,
    maxWeight: 50,
    stepWeight: 10,
    metrics: [successRate, duration],
    webhooks: [acceptance, loadTest],
  },
};

/** Same as {@link canarySpec} behind a manual approval before the run starts. */
export const gatedCanarySpec: CanarySpec = {
  ...canarySpec,
  analysis: {
    ...canarySpec.analysis,
    webhooks: [
      { name: 'release-gate', type: 'confirm-rollout', url: 'http://flagger-loadtester.test/gate/check' },
      acceptance,
      loadTest,
    ],
  },
};

export const abTestingSpec: CanarySpec = {
  provider: 'nginx',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' },
  ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'checkout' },
  service: { port: 80, targetPort: 8080 },
  analysis: {
    interval: '1m',
    threshold: 10,
    iterations: 10,
    match: [
      { headers: { 'x-canary': { exact: 'insider' } } },
      { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
    ],
    metrics: [successRate, duration],
    webhooks: [loadTest],
  },
};

export const blueGreenSpec: CanarySpec = {
  provider: 'kubernetes',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' },
  service: { port: 8080 },
  analysis: {
    interval: '30s',
    threshold: 2,
    iterations: 5,
    metrics: [successRate],
    webhooks: [
      loadTest,
      { name: 'promotion-gate', type: 'confirm-promotion', url: 'http://flagger-loadtester.test/gate/check' },
    ],
  },
};

export const mirroringSpec: CanarySpec = {
  provider: 'istio',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'search' },
  service: { port: 80 },
  analysis: {
    interval: '1m',
    threshold: 5,
    iterations: 3,
    mirror: true,
    mirrorWeight: 100,
    metrics: [successRate],
  },
};

export const skipAnalysisSpec: CanarySpec = {
  provider: 'linkerd',
  targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'docs' },
  service: { port: 80 },
  skipAnalysis: true,
  analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 25 },
};
