import { podinfoCanary } from '../routers/__fixtures__/podinfo';
import { autoscalerProblem, desiredPrimaryAutoscaler, primaryAutoscalerMatches } from './autoscaler';
import type { HorizontalPodAutoscaler } from './types';

const target: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, maxReplicas: 4 },
};
const withRef = (autoscalerRef: Record<string, unknown>) =>
  podinfoCanary({ spec: { autoscalerRef: autoscalerRef as never } });

describe('autoscalerProblem', () => {
  it.each([
    [{ kind: 'VerticalPodAutoscaler', name: 'podinfo' }, /^spec\.autoscalerRef\.kind: VerticalPodAutoscaler is not supported.*Fix: /],
    [{ apiVersion: 'autoscaling/v2', kind: 'ScaledObject', name: 'podinfo' }, /does not serve ScaledObject\. Fix: use keda\.sh\/v1alpha1/],
    [{ kind: '', name: 'podinfo' }, /^spec\.autoscalerRef\.kind: \(empty\)/],
    [{ kind: 'HorizontalPodAutoscaler', name: '' }, /^spec\.autoscalerRef\.name is empty\. Fix: /],
    [{ apiVersion: 'keda.sh/v1alpha1', kind: 'HorizontalPodAutoscaler', name: 'x' }, /apiVersion: keda\.sh\/v1alpha1 .*Fix: /],
  ])('refuses %j', (ref, message) => {
    expect(autoscalerProblem(withRef(ref))).toMatch(message);
  });

  it.each([
    [{ kind: 'HorizontalPodAutoscaler', name: 'podinfo' }],
    [{ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' }],
    [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo' }],
  ])('accepts %j', ref => {
    expect(autoscalerProblem(withRef(ref))).toBeUndefined();
    expect(autoscalerProblem(podinfoCanary())).toBeUndefined();
  });
});

describe('primaryAutoscalerMatches', () => {
  const canary = withRef({ kind: 'HorizontalPodAutoscaler', name: 'podinfo' });
  const desired = desiredPrimaryAutoscaler(canary, target) as HorizontalPodAutoscaler;

  it('counts an omitted minReplicas as the server default 1', () => {
    expect(desired.spec.minReplicas).toBeUndefined();
    expect(primaryAutoscalerMatches({ ...desired, spec: { ...desired.spec, minReplicas: 1 } }, desired)).toBe(true);
    expect(primaryAutoscalerMatches({ ...desired, spec: { ...desired.spec, minReplicas: 2 } }, desired)).toBe(false);
  });

  it('sees changed labels and ignores other metadata', () => {
    const annotated = { ...desired, metadata: { ...desired.metadata, annotations: { note: 'x' }, resourceVersion: '9' } };
    expect(primaryAutoscalerMatches(annotated, desired)).toBe(true);
    expect(primaryAutoscalerMatches({ ...desired, metadata: { ...desired.metadata, labels: { a: 'b' } } }, desired)).toBe(false);
  });
});
