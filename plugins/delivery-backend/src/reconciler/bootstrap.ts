import type { Canary, ObjectMeta } from '@delivery/plugin-delivery-common';
import { canonicalJson, SCALE_TO_ZERO_NODE_SELECTOR } from './hash';
import { TrackedConfig, withPrimaryConfigRefs } from './configTracking';
import type {
  ConfigMapObject,
  Container,
  LabelSelector,
  PodSpec,
  SecretObject,
  ServiceObject,
  ServicePort,
  Workload,
} from './types';

/**
 * Desired objects Flagger creates for a canary (b.2) as pure builders: the `<t>-primary` workload, the primary
 * config copies and the three Services. The tick applies them; nothing here talks to a cluster.
 */

const TOOLKIT_MARKER = 'toolkit.fluxcd.io';
export const FLAGGER_ID = 'flagger-id';
/** Set on every Service (and router object) so Flux does not revert what the controller manages. */
export const TOOLKIT_ANNOTATIONS: Record<string, string> = {
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
};

export interface SelectorLabel {
  label: string;
  value: string;
}

/** The first configured selector label present in the target's matchLabels (Flagger's getSelectorLabel). */
export function selectorLabelOf(target: Workload, selectorLabels: string[]): SelectorLabel | undefined {
  const match = target.spec.selector?.matchLabels ?? {};
  const label = selectorLabels.find(l => l in match);
  return label === undefined ? undefined : { label, value: match[label] };
}

export function canaryOwnerReference(canary: Canary): NonNullable<ObjectMeta['ownerReferences']>[number] {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    name: canary.metadata.name,
    uid: canary.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

const withoutToolkit = (meta: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(meta ?? {}).filter(([k]) => !k.includes(TOOLKIT_MARKER)));

/** Flagger's includeLabelsByPrefix: only keys with a listed prefix (`*` = all), never toolkit keys. */
export function includeByPrefix(meta: Record<string, string> | undefined, prefixes: string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(withoutToolkit(meta)).filter(([k]) => prefixes.some(p => p === '*' || (p !== '' && k.startsWith(p)))),
  );
}

function primaryLabels(labels: Record<string, string> | undefined, sel: SelectorLabel): Record<string, string> {
  const out = withoutToolkit(labels);
  delete out[sel.label];
  out[sel.label] = `${sel.value}-primary`;
  return out;
}

function podAnnotations(annotations: Record<string, string> | undefined, id: string): Record<string, string> {
  const out = withoutToolkit(annotations);
  delete out[FLAGGER_ID];
  out[FLAGGER_ID] = id;
  return out;
}

/** Anti-affinity and spread selectors that point at the target's pods are pointed at the primary's. */
function retargetSelector(selector: LabelSelector | undefined, targetName: string, selectorLabels: string[]) {
  if (!selector) return;
  for (const expr of selector.matchExpressions ?? []) {
    if (!selectorLabels.includes(expr.key) || !expr.values) continue;
    const i = expr.values.indexOf(targetName);
    if (i >= 0) expr.values[i] = `${targetName}-primary`;
  }
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (selectorLabels.includes(key) && value === targetName) selector.matchLabels![key] = `${value}-primary`;
  }
}

function primaryPodSpec(target: Workload, tracked: TrackedConfig[], selectorLabels: string[]): PodSpec {
  const spec = withPrimaryConfigRefs(target.spec.template.spec, tracked);
  for (const tsc of spec.topologySpreadConstraints ?? []) {
    retargetSelector(tsc.labelSelector, target.metadata.name, selectorLabels);
  }
  const anti = spec.affinity?.podAntiAffinity;
  for (const term of anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    retargetSelector(term.podAffinityTerm?.labelSelector, target.metadata.name, selectorLabels);
  }
  for (const term of anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    retargetSelector(term.labelSelector, target.metadata.name, selectorLabels);
  }
  if (target.kind === 'DaemonSet' && spec.nodeSelector) {
    delete spec.nodeSelector[SCALE_TO_ZERO_NODE_SELECTOR];
  }
  return spec;
}

export interface PrimaryInput {
  canary: Canary;
  target: Workload;
  selector: SelectorLabel;
  tracked: TrackedConfig[];
  selectorLabels: string[];
  includeLabelPrefix: string[];
  flaggerId: string;
}

/** The `<t>-primary` workload created at bootstrap. */
export function buildPrimary(input: PrimaryInput): Workload {
  const { canary, target, selector } = input;
  const ns = canary.metadata.namespace;
  const spec: Workload['spec'] = {
    selector: { matchLabels: { [selector.label]: `${selector.value}-primary` } },
    template: {
      metadata: {
        labels: primaryLabels(target.spec.template.metadata?.labels, selector),
        annotations: podAnnotations(target.spec.template.metadata?.annotations, input.flaggerId),
      },
      spec: primaryPodSpec(target, input.tracked, input.selectorLabels),
    },
    minReadySeconds: target.spec.minReadySeconds,
    revisionHistoryLimit: target.spec.revisionHistoryLimit,
  };
  if (target.kind === 'DaemonSet') {
    spec.updateStrategy = target.spec.updateStrategy;
  } else {
    spec.replicas = target.spec.replicas && target.spec.replicas > 0 ? target.spec.replicas : 1;
    spec.progressDeadlineSeconds = target.spec.progressDeadlineSeconds;
    spec.strategy = target.spec.strategy;
  }
  return {
    apiVersion: target.apiVersion,
    kind: target.kind,
    metadata: {
      name: `${target.metadata.name}-primary`,
      namespace: ns,
      labels: primaryLabels(includeByPrefix(target.metadata.labels, input.includeLabelPrefix), selector),
      annotations: withoutToolkit(target.metadata.annotations),
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec: dropUndefined(spec),
  };
}

/**
 * The primary after promotion: the observed primary with the target's template (fresh flagger-id, so the
 * primary always rolls), rollout settings, and metadata filtered by prefix. Replicas follow the target only
 * without an autoscaler.
 */
export function promotedPrimary(input: PrimaryInput & { primary: Workload }): Workload {
  const { canary, target, selector, primary } = input;
  const spec: Workload['spec'] = {
    ...primary.spec,
    minReadySeconds: target.spec.minReadySeconds,
    revisionHistoryLimit: target.spec.revisionHistoryLimit,
    template: {
      ...primary.spec.template,
      metadata: {
        ...primary.spec.template.metadata,
        labels: primaryLabels(target.spec.template.metadata?.labels, selector),
        annotations: podAnnotations(target.spec.template.metadata?.annotations, input.flaggerId),
      },
      spec: primaryPodSpec(target, input.tracked, input.selectorLabels),
    },
  };
  if (target.kind === 'DaemonSet') {
    spec.updateStrategy = target.spec.updateStrategy;
  } else {
    spec.progressDeadlineSeconds = target.spec.progressDeadlineSeconds;
    spec.strategy = target.spec.strategy;
    if (!canary.spec.autoscalerRef) spec.replicas = target.spec.replicas;
  }
  return {
    ...primary,
    metadata: {
      ...primary.metadata,
      annotations: includeByPrefix(target.metadata.annotations, input.includeLabelPrefix),
      labels: primaryLabels(includeByPrefix(target.metadata.labels, input.includeLabelPrefix), selector),
    },
    spec: dropUndefined(spec),
  };
}

/** `<name>-primary` copies of the tracked configs, owned by the Canary. */
export function primaryConfigCopies(
  canary: Canary,
  tracked: TrackedConfig[],
  includeLabelPrefix: string[],
): Array<ConfigMapObject | SecretObject> {
  return tracked.map(cfg => {
    const metadata: ObjectMeta = {
      name: `${cfg.name}-primary`,
      namespace: canary.metadata.namespace,
      labels: includeByPrefix(cfg.object.metadata.labels, includeLabelPrefix),
      ownerReferences: [canaryOwnerReference(canary)],
    };
    if (cfg.object.kind === 'Secret') {
      return dropUndefined({ apiVersion: 'v1', kind: 'Secret', metadata, type: cfg.object.type, data: cfg.object.data });
    }
    return dropUndefined({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: cfg.object.data });
  });
}

export type ServiceRole = 'apex' | 'primary' | 'canary';

/** `<svc>` (or `<t>`), `<svc>-primary`, `<svc>-canary`. */
export function serviceNames(canary: Canary): Record<ServiceRole, string> {
  const apex = canary.spec.service.name || canary.spec.targetRef.name;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary` };
}

/** Extra ports for `portDiscovery`: every container port except sidecars' and the service port itself. */
export function discoveredPorts(canary: Canary, containers: Container[] | undefined): ServicePort[] {
  const svc = canary.spec.service;
  const ports: ServicePort[] = [];
  for (const c of containers ?? []) {
    if (c.name === 'istio-proxy' || c.name === 'envoy') continue;
    (c.ports ?? []).forEach((p, i) => {
      if (svc.targetPort === undefined || svc.targetPort === 0) {
        if (p.containerPort === svc.port) return;
      } else if (typeof svc.targetPort === 'number' ? p.containerPort === svc.targetPort : p.name === svc.targetPort) {
        return;
      }
      const name = p.name || `tcp-${c.name}-${i}`;
      if (ports.some(x => x.name === name)) return;
      ports.push({ name, protocol: 'TCP', port: p.containerPort, targetPort: p.containerPort });
    });
  }
  return ports.sort((a, b) => (a.name! < b.name! ? -1 : 1));
}

/** The Service Flagger wants for one role; apex and primary select the primary's pods. */
export function desiredService(
  canary: Canary,
  role: ServiceRole,
  selector: SelectorLabel,
  extraPorts: ServicePort[] = [],
): ServiceObject {
  const svc = canary.spec.service;
  const name = serviceNames(canary)[role];
  const custom = svc[role] as { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  const port: ServicePort = {
    name: svc.portName || 'http',
    protocol: 'TCP',
    port: svc.port,
    targetPort: svc.targetPort === undefined || svc.targetPort === 0 ? svc.port : svc.targetPort,
  };
  if (svc.appProtocol) port.appProtocol = svc.appProtocol;
  const spec: ServiceObject['spec'] = {
    type: 'ClusterIP',
    selector: { [selector.label]: role === 'canary' ? selector.value : `${selector.value}-primary` },
    ports: [port, ...extraPorts],
  };
  if (svc.headless) spec.clusterIP = 'None';
  if (typeof svc.trafficDistribution === 'string' && svc.trafficDistribution) {
    spec.trafficDistribution = svc.trafficDistribution;
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: canary.metadata.namespace,
      labels: { ...(custom?.labels ?? {}), [selector.label]: name },
      annotations: { ...(custom?.annotations ?? {}), ...TOOLKIT_ANNOTATIONS },
      ownerReferences: [canaryOwnerReference(canary)],
    },
    spec,
  };
}

/**
 * The Service to write given what exists, or undefined when nothing needs to change. A Service the Canary does
 * not own is taken over: only its selector and ports change. Node ports are kept; unmanaged metadata survives.
 */
export function mergeService(
  current: ServiceObject | undefined,
  desired: ServiceObject,
  canary: Canary,
): ServiceObject | undefined {
  if (!current) return desired;
  const ports = (desired.spec.ports ?? []).map(p => {
    const existing = current.spec.ports?.find(x => x.name === p.name && (x.nodePort ?? 0) > 0);
    return existing ? { ...p, nodePort: existing.nodePort } : p;
  });
  const next: ServiceObject = JSON.parse(JSON.stringify(current));
  let changed = false;
  const byPort = (a: ServicePort, b: ServicePort) => a.port - b.port;
  const comparablePorts = (list: ServicePort[] | undefined) =>
    canonicalJson([...(list ?? [])].sort(byPort).map(p => ({ ...p, targetPort: p.targetPort ?? p.port })));
  if (
    comparablePorts(ports) !== comparablePorts(current.spec.ports) ||
    canonicalJson(desired.spec.selector) !== canonicalJson(current.spec.selector)
  ) {
    next.spec.ports = ports;
    next.spec.selector = desired.spec.selector;
    changed = true;
  }
  const controller = current.metadata.ownerReferences?.find(o => o.controller);
  if (controller?.kind === 'Canary' && controller.name === canary.metadata.name) {
    const unmanaged = canary.spec.service.unmanagedMetadata as { annotations?: string[]; labels?: string[] } | undefined;
    const keep = (from: Record<string, string> | undefined, keys: string[] | undefined) =>
      Object.fromEntries((keys ?? []).filter(k => from && k in from).map(k => [k, from![k]]));
    const annotations = { ...desired.metadata.annotations, ...keep(current.metadata.annotations, unmanaged?.annotations) };
    const labels = { ...desired.metadata.labels, ...keep(current.metadata.labels, unmanaged?.labels) };
    if (canonicalJson(annotations) !== canonicalJson(current.metadata.annotations ?? {})) {
      next.metadata.annotations = annotations;
      changed = true;
    }
    if (canonicalJson(labels) !== canonicalJson(current.metadata.labels ?? {})) {
      next.metadata.labels = labels;
      changed = true;
    }
  }
  if (!changed) return undefined;
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...TOOLKIT_ANNOTATIONS };
  return next;
}

function dropUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
