import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { GlobalNotifierConfig } from './alerts/providers';
import { ALERT_PROVIDER_TYPES, type AlertProviderType } from './alerts/types';

/** One cluster as configured by the operator. Credentials come only from here, never from requests or the catalog. */
export interface ClusterConfig {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  dashboardUrl?: string;
}

export interface ReconcilerConfig {
  enabled: boolean;
  clusters: string[];
  namespaces?: string[];
  metricsServer: string;
  meshProvider: string;
  workers: number;
  maxQueriesPerEndpoint: number;
  leaseNamespace: string;
  /** Lease name per cluster (`delivery-reconciler`). */
  leaseName?: string;
  /** Lowest analysis interval honoured (Flagger: 10 s). */
  minIntervalSeconds?: number;
  /** Alerts of canaries without `analysis.alerts` (Flagger's `-slack-url` / `-msteams-url`). */
  notifier?: GlobalNotifierConfig;
  /** Receives every event of canaries without `event` webhooks (Flagger's `-event-webhook`). */
  eventWebhookUrl?: string;
}

export interface DeliveryConfig {
  clusters: ClusterConfig[];
  /** Where the cluster list came from, so the health route and logs can say it. */
  clusterSource: 'delivery.clusters' | 'kubernetes.clusterLocatorMethods' | 'none';
  reconciler: ReconcilerConfig;
  retentionDays: number;
  grafana: { baseUrl?: string; dashboards: Record<string, string> };
  gates: { requiredApprovals: number; clusterSecrets: Record<string, string> };
}

function readCluster(c: Config, at: string): ClusterConfig {
  const authProvider = c.getOptionalString('authProvider') ?? 'serviceAccount';
  if (authProvider !== 'serviceAccount') {
    throw new InputError(
      `${at}.authProvider: "${authProvider}" is not supported; use "serviceAccount" with serviceAccountToken`,
    );
  }
  const url = c.getString('url');
  try {
    // eslint-disable-next-line no-new
    new URL(url);
  } catch {
    throw new InputError(`${at}.url: "${url}" is not a URL; expected e.g. https://10.0.0.1:6443`);
  }
  return {
    name: c.getString('name'),
    url,
    serviceAccountToken: c.getOptionalString('serviceAccountToken'),
    caData: c.getOptionalString('caData'),
    caFile: c.getOptionalString('caFile'),
    skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
    dashboardUrl: c.getOptionalString('dashboardUrl'),
  };
}

function httpUrl(config: Config, key: string): string | undefined {
  const value = config.getOptionalString(key);
  if (value === undefined) return undefined;
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  // The value is often a credential (chat webhook URLs embed one): name the key, not the text.
  if (!ok) throw new InputError(`${key}: not an http(s) URL; expected e.g. https://hooks.slack.com/services/…`);
  return value;
}

function readNotifier(config: Config): GlobalNotifierConfig | undefined {
  const at = 'delivery.reconciler.notifier';
  if (!config.has(at)) return undefined;
  const type = config.getString(`${at}.type`);
  if (!(ALERT_PROVIDER_TYPES as readonly string[]).includes(type)) {
    throw new InputError(`${at}.type: "${type}" is not supported; use one of ${ALERT_PROVIDER_TYPES.join(', ')}`);
  }
  return {
    type: type as AlertProviderType,
    url: httpUrl(config, `${at}.url`) ?? config.getString(`${at}.url`),
    channel: config.getOptionalString(`${at}.channel`),
    username: config.getOptionalString(`${at}.username`),
    proxy: httpUrl(config, `${at}.proxy`),
    token: config.getOptionalString(`${at}.token`),
  };
}

/** Reads and validates the plugin's configuration; throws an InputError naming the key and the fix. */
export function readDeliveryConfig(config: Config): DeliveryConfig {
  let clusters: ClusterConfig[] = [];
  let clusterSource: DeliveryConfig['clusterSource'] = 'none';
  const own = config.getOptionalConfigArray('delivery.clusters');
  if (own) {
    clusters = own.map((c, i) => readCluster(c, `delivery.clusters[${i}]`));
    clusterSource = 'delivery.clusters';
  } else {
    const methods = config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
    methods.forEach((m, i) => {
      if (m.getString('type') !== 'config') return;
      (m.getOptionalConfigArray('clusters') ?? []).forEach((c, j) =>
        clusters.push(readCluster(c, `kubernetes.clusterLocatorMethods[${i}].clusters[${j}]`)),
      );
    });
    if (clusters.length) clusterSource = 'kubernetes.clusterLocatorMethods';
  }
  const seen = new Set<string>();
  for (const c of clusters) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(c.name)) {
      throw new InputError(
        `cluster name "${c.name}" is invalid; use lowercase letters, digits, "-" and "." (it appears in URLs)`,
      );
    }
    if (seen.has(c.name)) {
      throw new InputError(`cluster name "${c.name}" is configured twice; cluster names must be unique`);
    }
    seen.add(c.name);
  }

  const names = clusters.map(c => c.name);
  const reconcilerClusters = config.getOptionalStringArray('delivery.reconciler.clusters') ?? names;
  for (const n of reconcilerClusters) {
    if (!seen.has(n)) {
      throw new InputError(
        `delivery.reconciler.clusters: "${n}" is not a configured cluster; known clusters: ${names.join(', ') || 'none'}`,
      );
    }
  }
  const positive = (key: string, def: number) => {
    const v = config.getOptionalNumber(key) ?? def;
    if (!Number.isFinite(v) || v <= 0) throw new InputError(`${key}: must be a positive number, got ${v}`);
    return v;
  };
  const secrets = config.getOptionalConfig('delivery.gates.clusterSecrets');
  const clusterSecrets: Record<string, string> = {};
  for (const key of secrets?.keys() ?? []) clusterSecrets[key] = secrets!.getString(key);
  const dashboards = config.getOptionalConfig('delivery.grafana.dashboards');
  const dashboardMap: Record<string, string> = {};
  for (const key of dashboards?.keys() ?? []) dashboardMap[key] = dashboards!.getString(key);

  return {
    clusters,
    clusterSource,
    reconciler: {
      enabled: config.getOptionalBoolean('delivery.reconciler.enabled') ?? false,
      clusters: reconcilerClusters,
      namespaces: config.getOptionalStringArray('delivery.reconciler.namespaces'),
      metricsServer: config.getOptionalString('delivery.reconciler.metricsServer') ?? 'http://prometheus:9090',
      meshProvider: config.getOptionalString('delivery.reconciler.meshProvider') ?? 'kubernetes',
      workers: positive('delivery.reconciler.workers', 16),
      maxQueriesPerEndpoint: positive('delivery.reconciler.maxQueriesPerEndpoint', 8),
      leaseNamespace: config.getOptionalString('delivery.reconciler.leaseNamespace') ?? 'kube-system',
      leaseName: config.getOptionalString('delivery.reconciler.leaseName'),
      minIntervalSeconds: config.getOptionalNumber('delivery.reconciler.minIntervalSeconds'),
      notifier: readNotifier(config),
      eventWebhookUrl: httpUrl(config, 'delivery.reconciler.eventWebhookUrl'),
    },
    retentionDays: positive('delivery.history.retentionDays', 30),
    grafana: { baseUrl: config.getOptionalString('delivery.grafana.baseUrl'), dashboards: dashboardMap },
    gates: {
      requiredApprovals: positive('delivery.gates.requiredApprovals', 1),
      clusterSecrets,
    },
  };
}
