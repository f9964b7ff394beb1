import type { ObjectMeta } from '@delivery/plugin-delivery-common';
import type { KubeObject } from '../kube/types';

/** The fields of a workload the fleet reads, flat: what `WorkloadRecord.from` takes apart. */
export interface WorkloadFields {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  templateLabels?: Record<string, string>;
  replicas?: number;
  /** Container names and images, alternating: [name0, image0, name1, image1, …]. */
  containers: Array<string | undefined>;
  status: WorkloadCounts;
}

/** The replica counts of a Deployment's or DaemonSet's status that the fleet shows. */
export interface WorkloadCounts {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  numberReady?: number;
  desiredNumberScheduled?: number;
}

/**
 * A workload of a cluster the fleet only observes, as one flat object: at 200k workloads the tree shaped like a
 * Deployment (metadata, spec, template, template metadata and spec, containers, status: eight objects each) cost
 * more than the strings in it. Readers still see that shape: `metadata` is the record itself (it has the name,
 * namespace, resourceVersion and labels), and `spec` and `status` are built when read, which happens once per row
 * build, not per stored object.
 */
export class WorkloadRecord implements KubeObject {
  [key: string]: unknown;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly resourceVersion?: string;
  readonly labels?: Record<string, string>;
  private readonly templateLabels?: Record<string, string>;
  private readonly replicas?: number;
  private readonly containers: Array<string | undefined>;
  // Counts kept as fields (small integers are stored inline, unlike a status object of their own).
  private readonly sReplicas?: number;
  private readonly sReady?: number;
  private readonly sUpdated?: number;
  private readonly sAvailable?: number;
  private readonly sObservedGeneration?: number;
  private readonly sNumberReady?: number;
  private readonly sDesired?: number;

  constructor(f: WorkloadFields) {
    this.apiVersion = f.apiVersion;
    this.kind = f.kind;
    this.name = f.name;
    this.namespace = f.namespace;
    this.resourceVersion = f.resourceVersion;
    this.labels = f.labels;
    this.templateLabels = f.templateLabels;
    this.replicas = f.replicas;
    this.containers = f.containers;
    this.sReplicas = f.status.replicas;
    this.sReady = f.status.readyReplicas;
    this.sUpdated = f.status.updatedReplicas;
    this.sAvailable = f.status.availableReplicas;
    this.sObservedGeneration = f.status.observedGeneration;
    this.sNumberReady = f.status.numberReady;
    this.sDesired = f.status.desiredNumberScheduled;
  }

  get metadata(): ObjectMeta {
    return this as unknown as ObjectMeta;
  }

  get spec() {
    const containers: Array<{ name?: string; image?: string }> = [];
    for (let i = 0; i < this.containers.length; i += 2) containers.push({ name: this.containers[i], image: this.containers[i + 1] });
    return { replicas: this.replicas, template: { metadata: { labels: this.templateLabels }, spec: { containers } } };
  }

  get status(): WorkloadCounts {
    const out: WorkloadCounts = {};
    const put = (k: keyof WorkloadCounts, v: number | undefined) => {
      if (v !== undefined) out[k] = v;
    };
    put('replicas', this.sReplicas);
    put('readyReplicas', this.sReady);
    put('updatedReplicas', this.sUpdated);
    put('availableReplicas', this.sAvailable);
    put('observedGeneration', this.sObservedGeneration);
    put('numberReady', this.sNumberReady);
    put('desiredNumberScheduled', this.sDesired);
    return out;
  }

  /** The Deployment-shaped view, so a record serializes like the object it stands for. */
  toJSON(): KubeObject {
    const { name, namespace, resourceVersion, labels } = this;
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: { name, namespace, resourceVersion, labels }, spec: this.spec, status: this.status };
  }
}
