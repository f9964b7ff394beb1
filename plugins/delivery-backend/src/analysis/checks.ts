import type {
  AnalysisCheck,
  Canary,
  CanaryMetric,
  CheckErrorClass,
  MetricTemplate,
} from '@delivery/plugin-delivery-common';
import { KINDS, type KubeObject, type ObjectReader } from '../kube/types';
import {
  builtinQuery,
  chooseObserver,
  durationMs,
  isBuiltinMetric,
} from './builtins';
import {
  NoValuesFoundError,
  ProviderUnreachableError,
  withPrefix,
  type MetricsProvider,
  type PrometheusClients,
} from './prometheus';
import { TemplateError, metricTemplateModel, renderQuery } from './templates';
import { evaluateThreshold, type Outcome } from './thresholds';

/**
 * Evaluates one `analysis.metrics[]` entry the way Flagger does and records the outcome as an AnalysisCheck whose
 * `message` is Flagger's event text for a failure. Which query runs: `templateRef` (the template's provider), else
 * inline `query`, else a built-in by name; an entry with none of these fails.
 */

export const DEFAULT_METRIC_INTERVAL = '1m';

export interface MetricCheckContext {
  canary: Canary;
  reader: ObjectReader;
  /** Global mesh provider (Flagger's `-mesh-provider`); drives built-in observer selection. */
  meshProvider: string;
  /** Global Prometheus (Flagger's `-metrics-server`); `spec.metricsServer` overrides it for built-ins and queries. */
  metricsServer: string;
  prometheus: PrometheusClients;
  now: () => Date;
  /** The tick's deadline. An abort is rethrown: it is not the metric's fault. */
  signal?: AbortSignal;
  /** Copied into the check so the history can place it on the run's timeline. */
  weight?: number;
  iteration?: number;
}

export function errorClassOf(e: unknown): CheckErrorClass {
  if (e instanceof NoValuesFoundError) return 'no-values';
  if (e instanceof ProviderUnreachableError)
    return e.timedOut ? 'timeout' : 'provider-unreachable';
  if (e instanceof TemplateError) return 'template-error';
  return 'query-error';
}

function failure(errorClass: CheckErrorClass, message: string): Outcome {
  return { passed: false, errorClass, message };
}

/** Runs a query; rethrows the tick's own abort, returns other errors for classification. */
async function query(
  ctx: MetricCheckContext,
  client: MetricsProvider,
  promql: string,
): Promise<{ value: number } | { error: unknown }> {
  try {
    return { value: await client.runQuery(promql, { signal: ctx.signal }) };
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    return { error: e };
  }
}

async function builtinCheck(
  ctx: MetricCheckContext,
  metric: CanaryMetric,
  interval: string,
): Promise<Outcome> {
  const { canary } = ctx;
  const id = `${canary.metadata.name}.${canary.metadata.namespace}`;
  const target = `${canary.spec.targetRef.name}.${canary.metadata.namespace}`;
  const choice = chooseObserver(canary, ctx.meshProvider);
  const address = canary.spec.metricsServer || ctx.metricsServer;
  let client: MetricsProvider;
  try {
    client = ctx.prometheus.client({ address });
  } catch (e) {
    return failure(
      'query-error',
      `Error building Prometheus client for ${address} ${(e as Error).message}`,
    );
  }
  const successRate = metric.name === 'request-success-rate';
  const promql = renderQuery(
    builtinQuery(
      choice.observer,
      successRate ? 'request-success-rate' : 'request-duration',
    ),
    metricTemplateModel(canary, interval, metric.templateVariables),
  );
  const result = await query(ctx, client, promql);
  if ('error' in result) {
    // Flagger's observers wrap errors with "running query failed: ", except the HTTP observer's success rate.
    const wrapped =
      successRate && choice.observer === 'http'
        ? result.error
        : withPrefix(result.error, 'running query failed: ');
    const message = (wrapped as Error).message;
    if (result.error instanceof NoValuesFoundError) {
      const base = `Halt advancement no values found for ${choice.providerName} metric ${metric.name} probably ${target} is not receiving traffic`;
      return failure('no-values', successRate ? `${base}: ${message}` : base);
    }
    return failure(
      errorClassOf(result.error),
      `Prometheus query failed: ${message}`,
    );
  }
  if (successRate)
    return evaluateThreshold('success-rate', metric, result.value, id);
  return evaluateThreshold(
    'duration',
    metric,
    durationMs(choice.observer, result.value),
    id,
  );
}

async function inlineCheck(
  ctx: MetricCheckContext,
  metric: CanaryMetric,
  interval: string,
): Promise<Outcome> {
  const { canary } = ctx;
  const address = canary.spec.metricsServer || ctx.metricsServer;
  let promql: string;
  let client: MetricsProvider;
  try {
    promql = renderQuery(
      metric.query!,
      metricTemplateModel(canary, interval, metric.templateVariables),
    );
    client = ctx.prometheus.client({ address });
  } catch (e) {
    return failure(
      errorClassOf(e),
      `Prometheus query failed for ${metric.name}: ${(e as Error).message}`,
    );
  }
  const result = await query(ctx, client, promql);
  if ('error' in result) {
    if (result.error instanceof NoValuesFoundError) {
      return failure(
        'no-values',
        `Halt advancement no values found for metric: ${metric.name}`,
      );
    }
    return failure(
      errorClassOf(result.error),
      `Prometheus query failed for ${metric.name}: ${
        (result.error as Error).message
      }`,
    );
  }
  return evaluateThreshold(
    'custom',
    metric,
    result.value,
    `${canary.metadata.name}.${canary.metadata.namespace}`,
  );
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

async function templateCheck(
  ctx: MetricCheckContext,
  metric: CanaryMetric,
  interval: string,
): Promise<Outcome> {
  const { canary } = ctx;
  const ref = metric.templateRef!;
  const ns = ref.namespace || canary.metadata.namespace || '';
  const where = `Metric template ${ref.name}.${ns}`;
  const template = ctx.reader.get(
    KINDS.metricTemplate,
    ns,
    ref.name,
  ) as unknown as MetricTemplate | undefined;
  if (!template)
    return failure(
      'template-error',
      `${where} error: metrictemplate.flagger.app "${ref.name}" not found`,
    );
  const provider = template.spec?.provider ?? { type: '' };

  const credentials: Record<string, string> = {};
  if (provider.secretRef?.name) {
    const secretName = provider.secretRef.name;
    const secret = ctx.reader.get<SecretObject>(KINDS.secret, ns, secretName);
    if (!secret)
      return failure(
        'template-error',
        `${where} secret ${secretName} error: secrets "${secretName}" not found`,
      );
    for (const [k, v] of Object.entries(secret.data ?? {}))
      credentials[k] = Buffer.from(v, 'base64').toString('utf8');
  }

  let client: MetricsProvider;
  try {
    if (provider.type !== 'prometheus') {
      throw new Error(
        `provider type "${provider.type}" is not supported by the Delivery reconciler; use prometheus (other Flagger providers run only under Flagger)`,
      );
    }
    const useToken =
      provider.secretRef?.name !== undefined && credentials.token !== undefined;
    if (provider.secretRef?.name && !useToken) {
      if (credentials.username === undefined)
        throw new Error('prometheus credentials does not contain a username');
      if (credentials.password === undefined)
        throw new Error('prometheus credentials does not contain a password');
    }
    client = ctx.prometheus.client({
      address: provider.address ?? '',
      headers: provider.headers,
      insecureSkipVerify: provider.insecureSkipVerify,
      ...(useToken
        ? { token: credentials.token }
        : { username: credentials.username, password: credentials.password }),
    });
  } catch (e) {
    return failure(
      'template-error',
      `${where} provider ${provider.type} error: ${(e as Error).message}`,
    );
  }

  let promql: string;
  try {
    promql = renderQuery(
      template.spec.query ?? '',
      metricTemplateModel(canary, interval, metric.templateVariables),
    );
  } catch (e) {
    return failure(
      'template-error',
      `${where} query render error: ${(e as Error).message}`,
    );
  }
  const result = await query(ctx, client, promql);
  if ('error' in result) {
    const message = (result.error as Error).message;
    if (result.error instanceof NoValuesFoundError) {
      return failure(
        'no-values',
        `Halt advancement no values found for custom metric: ${metric.name}: ${message}`,
      );
    }
    return failure(
      errorClassOf(result.error),
      `Metric query failed for ${metric.name}: ${message}`,
    );
  }
  return evaluateThreshold(
    'custom',
    metric,
    result.value,
    `${canary.metadata.name}.${canary.metadata.namespace}`,
  );
}

/** How a metric entry is evaluated; explicit queries win over a built-in name. */
export function metricSource(
  metric: CanaryMetric,
): 'template' | 'query' | 'builtin' | 'none' {
  if (metric.templateRef?.name) return 'template';
  if (metric.query) return 'query';
  if (isBuiltinMetric(metric.name)) return 'builtin';
  return 'none';
}

export async function runMetricCheck(
  ctx: MetricCheckContext,
  metric: CanaryMetric,
): Promise<AnalysisCheck> {
  // Flagger leaves a template metric's interval empty, which renders an invalid query; we default it like built-ins.
  const interval = metric.interval || DEFAULT_METRIC_INTERVAL;
  let outcome: Outcome;
  switch (metricSource(metric)) {
    case 'template':
      outcome = await templateCheck(ctx, metric, interval);
      break;
    case 'query':
      outcome = await inlineCheck(ctx, metric, interval);
      break;
    case 'builtin':
      outcome = await builtinCheck(ctx, metric, interval);
      break;
    default:
      outcome = failure(
        'template-error',
        'Metric query failed for no usable metrics template and query were configured',
      );
  }
  return {
    time: ctx.now().toISOString(),
    kind: 'metric',
    name: metric.name,
    ...outcome,
    ...(ctx.weight !== undefined ? { weight: ctx.weight } : {}),
    ...(ctx.iteration !== undefined ? { iteration: ctx.iteration } : {}),
  };
}

/**
 * All metrics of a tick in Flagger's order — built-ins and inline queries first, then templates (and entries with
 * no source), each group in list order — stopping at the first failure, since one failed check ends the tick.
 */
export async function runMetricChecks(
  ctx: MetricCheckContext,
  metrics: CanaryMetric[],
): Promise<AnalysisCheck[]> {
  const first = metrics.filter(m =>
    ['query', 'builtin'].includes(metricSource(m)),
  );
  const second = metrics.filter(
    m => !['query', 'builtin'].includes(metricSource(m)),
  );
  const checks: AnalysisCheck[] = [];
  for (const metric of [...first, ...second]) {
    const check = await runMetricCheck(ctx, metric);
    checks.push(check);
    if (!check.passed) break;
  }
  return checks;
}
