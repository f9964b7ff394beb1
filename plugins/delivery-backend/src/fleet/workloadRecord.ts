import type { ObjectMeta } from '@delivery/plugin-delivery-common';
import type { KubeObject } from '../kube/types';

/** The fields of a workload the fleet reads, flat: what `fleetWorkloadProjector` hands to a `WorkloadRecord`. */
export interface WorkloadFields {
  kind: string;
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  templateLabels?: Record<string, string>;
  replicas?: number;
  /** Container names, an array shared by every workload with the same names (see `StringPool.list`). */
  containerNames: ReadonlyArray<string | undefined>;
  /** Container images in the same order; rows show this very array, so it is never changed in place. */
  images: ReadonlyArray<string | undefined>;
  status: WorkloadCounts;
}

/** The replica counts of a Deployment's or DaemonSet's status that the fleet shows (ready of how many, updated). */
export interface WorkloadCounts {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  numberReady?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
}

/** Numbers up to 2^31 - 1 are stored inside the object; longer decimals and anything else stay strings. */
function compactVersion(rv: string | undefined): string | number | undefined {
  return rv !== undefined && /^[1-9][0-9]{0,8}$/.test(rv) ? Number(rv) : rv;
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
  /** Only apps/v1 workloads are kept as records: the version is not stored per object. */
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly images: ReadonlyArray<string | undefined>;
  /** A decimal resourceVersion is kept as a number (inline for most), any other as the string. */
  private readonly rv?: string | number;
  private readonly templateLabels?: Record<string, string>;
  private readonly replicas?: number;
  private readonly containerNames: ReadonlyArray<string | undefined>;
  // Counts kept as fields (small integers are stored inline, unlike a status object of their own), named for what
  // they mean in both kinds: Deployment replicas / readyReplicas / updatedReplicas, DaemonSet
  // desiredNumberScheduled / numberReady / updatedNumberScheduled.
  private readonly sTotal?: number;
  private readonly sReady?: number;
  private readonly sUpdated?: number;

  constructor(f: WorkloadFields) {
    this.kind = f.kind;
    this.name = f.name;
    this.namespace = f.namespace;
    this.rv = compactVersion(f.resourceVersion);
    this.labels = f.labels;
    this.templateLabels = f.templateLabels;
    this.replicas = f.replicas;
    this.containerNames = f.containerNames;
    this.images = f.images;
    const daemonSet = f.kind === 'DaemonSet';
    this.sTotal = daemonSet ? f.status.desiredNumberScheduled : f.status.replicas;
    this.sReady = daemonSet ? f.status.numberReady : f.status.readyReplicas;
    this.sUpdated = daemonSet ? f.status.updatedNumberScheduled : f.status.updatedReplicas;
  }

  get metadata(): ObjectMeta {
    return this as unknown as ObjectMeta;
  }

  get resourceVersion(): string | undefined {
    return typeof this.rv === 'number' ? String(this.rv) : this.rv;
  }

  get spec() {
    const containers = this.images.map((image, i) => ({ name: this.containerNames[i], image }));
    return { replicas: this.replicas, template: { metadata: { labels: this.templateLabels }, spec: { containers } } };
  }

  get apiVersion(): string {
    return 'apps/v1';
  }

  get status(): WorkloadCounts {
    const out: WorkloadCounts = {};
    const put = (k: keyof WorkloadCounts, v: number | undefined) => {
      if (v !== undefined) out[k] = v;
    };
    const daemonSet = this.kind === 'DaemonSet';
    put(daemonSet ? 'desiredNumberScheduled' : 'replicas', this.sTotal);
    put(daemonSet ? 'numberReady' : 'readyReplicas', this.sReady);
    put(daemonSet ? 'updatedNumberScheduled' : 'updatedReplicas', this.sUpdated);
    return out;
  }

  /** The Deployment-shaped view, so a record serializes like the object it stands for. */
  toJSON(): KubeObject {
    const { name, namespace, resourceVersion, labels } = this;
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: { name, namespace, resourceVersion, labels }, spec: this.spec, status: this.status };
  }
}
