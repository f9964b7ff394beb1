import { createHash } from 'node:crypto';
import type { Canary, CanaryPhase, CanaryWebhook, MetricTemplate } from '@delivery/plugin-delivery-common';
import { builtinQuery, chooseObserver, durationMs, isBuiltinMetric } from '../analysis/builtins';
import { errorClassOf } from '../analysis/checks';
import { NoValuesFoundError, withPrefix, type MetricsProvider, type PrometheusClients } from '../analysis/prometheus';
import { metricTemplateModel, renderQuery } from '../analysis/templates';
import { KINDS, type ObjectReader } from '../kube/types';
import type { Router } from '../routers/router';
import type { WebhookCaller, WebhookResult } from '../webhooks/call';
import type { HookCallResult, MetricCheckRequest, MetricOutcome, TickEffects } from './types';

/**
 * The decide core's effects for one tick, over the real router, webhook caller and Prometheus clients. Every call
 * carries the tick's I/O deadline; when it passes, the call is reported as timed out (a failed check, not a stuck
 * tick). Only a lost lease aborts the tick itself.
 */

export interface TickEffectsOptions {
  canary: Canary;
  router: Router;
  reader: ObjectReader;
  webhooks: WebhookCaller;
  prometheus: PrometheusClients;
  /** Global mesh provider (observer choice for built-ins). */
  meshProvider: string;
  metricsServer: string;
  /** Fires at the I/O deadline of the tick. */
  deadline: AbortSignal;
  /** Fires when the lease is lost or the reconciler stops: rethrown, the tick ends without writes. */
  stop: AbortSignal;
}

/** Flagger sends a run checksum in webhook payloads; ours hashes what identifies the run. */
export function runChecksum(canary: Canary): string {
  const s = canary.status ?? {};
  return createHash('sha256')
    .update(JSON.stringify([s.lastAppliedSpec ?? '', s.trackedConfigs ?? {}]))
    .digest('hex')
    .slice(0, 16);
}

export function hookCallResult(result: WebhookResult): HookCallResult {
  if (result.ok) return { status: result.status ?? 200, body: result.message };
  if (result.status !== undefined && result.failure === 'status') return { status: result.status, body: result.message };
  // A closed gate answered from the gate store: the same as a hook answering 403.
  if (result.viaGate && result.failure === 'status') return { status: 403, body: result.message ?? 'Forbidden' };
  return { error: result.message ?? `webhook failed (${result.failure})`, timedOut: result.failure === 'timeout' };
}

export function createTickEffects(o: TickEffectsOptions): TickEffects {
  const signal = AbortSignal.any([o.deadline, o.stop]);
  const deadlineError = (what: string) => `${what}: tick deadline reached before it finished`;
  const checksum = runChecksum(o.canary);

  return {
    getRoutes: () => o.router.getRoutes(o.canary, { signal }),

    async callHook(hook: CanaryWebhook, phase: CanaryPhase): Promise<HookCallResult> {
      try {
        return hookCallResult(await o.webhooks.call({ canary: o.canary, webhook: hook, phase, checksum, signal }));
      } catch (e) {
        if (o.stop.aborted) throw o.stop.reason;
        if (o.deadline.aborted) return { error: deadlineError(`POST ${hook.url}`), timedOut: true };
        throw e;
      }
    },

    async runMetric(request: MetricCheckRequest): Promise<MetricOutcome> {
      try {
        return await measure(o, request, signal);
      } catch (e) {
        if (o.stop.aborted) throw o.stop.reason;
        if (o.deadline.aborted) {
          return { error: { class: 'timeout', detail: deadlineError(`metric ${request.metric.name}`) } };
        }
        return { error: { class: errorClassOf(e) as 'query-error', detail: (e as Error).message } };
      }
    },

    async checkMetricProviders(): Promise<string | undefined> {
      const address = o.canary.spec.metricsServer || o.metricsServer;
      try {
        const online = await o.prometheus.client({ address }).isOnline({ signal });
        return online ? undefined : `${address} is not answering queries`;
      } catch (e) {
        if (o.stop.aborted) throw o.stop.reason;
        return (e as Error).message;
      }
    },
  };
}

type MeasureError = Extract<MetricOutcome, { error: unknown }>['error'];

function failed(e: unknown, extra: Partial<MeasureError> = {}): MetricOutcome {
  const cls = e instanceof NoValuesFoundError ? 'no-values' : errorClassOf(e);
  return { error: { class: cls as MeasureError['class'], detail: (e as Error).message, ...extra } };
}

/** Runs one metric's query and returns the raw value (built-in durations in ms); the core judges thresholds. */
async function measure(o: TickEffectsOptions, req: MetricCheckRequest, signal: AbortSignal): Promise<MetricOutcome> {
  const { canary } = o;
  const { metric, interval } = req;
  const model = metricTemplateModel(canary, interval, metric.templateVariables);
  if (req.source === 'builtin') {
    if (!isBuiltinMetric(metric.name)) return failed(new Error(`${metric.name} is not a built-in metric`));
    const choice = chooseObserver(canary, o.meshProvider);
    const client = o.prometheus.client({ address: canary.spec.metricsServer || o.metricsServer });
    const promql = renderQuery(builtinQuery(choice.observer, metric.name), model);
    try {
      const value = await client.runQuery(promql, { signal });
      return { value: metric.name === 'request-duration' ? durationMs(choice.observer, value) : value };
    } catch (e) {
      if (signal.aborted) throw e;
      // Flagger's observers wrap errors, except the HTTP observer's success rate.
      const plain = metric.name === 'request-success-rate' && choice.observer === 'http';
      return failed(plain ? e : withPrefix(e, 'running query failed: '));
    }
  }
  if (req.source === 'query') {
    let promql: string;
    try {
      promql = renderQuery(metric.query ?? '', model);
    } catch (e) {
      return failed(e);
    }
    return query(o.prometheus.client({ address: canary.spec.metricsServer || o.metricsServer }), promql, signal);
  }
  return templateMeasure(o, req, signal);
}

async function query(client: MetricsProvider, promql: string, signal: AbortSignal): Promise<MetricOutcome> {
  try {
    return { value: await client.runQuery(promql, { signal }) };
  } catch (e) {
    if (signal.aborted) throw e;
    return failed(e);
  }
}

async function templateMeasure(
  o: TickEffectsOptions,
  req: MetricCheckRequest,
  signal: AbortSignal,
): Promise<MetricOutcome> {
  const { canary } = o;
  const ref = req.metric.templateRef!;
  const ns = ref.namespace || canary.metadata.namespace || '';
  const template = o.reader.get(KINDS.metricTemplate, ns, ref.name) as unknown as MetricTemplate | undefined;
  if (!template) {
    return {
      error: { class: 'template-error', stage: 'lookup', detail: `metrictemplate.flagger.app "${ref.name}" not found` },
    };
  }
  const provider = template.spec?.provider ?? { type: '' };
  const credentials: Record<string, string> = {};
  const secretName = provider.secretRef?.name;
  if (secretName) {
    const secret = o.reader.get<{ apiVersion: string; kind: string; metadata: { name: string }; data?: Record<string, string> }>(
      KINDS.secret,
      ns,
      secretName,
    );
    if (!secret) {
      return {
        error: { class: 'template-error', stage: 'secret', secretName, detail: `secrets "${secretName}" not found` },
      };
    }
    for (const [k, v] of Object.entries(secret.data ?? {})) credentials[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  const providerError = (detail: string): MetricOutcome => ({
    error: { class: 'template-error', stage: 'provider', providerType: provider.type, detail },
  });
  if (provider.type !== 'prometheus') {
    return providerError(
      `provider type "${provider.type}" is not supported by the Delivery reconciler; use prometheus`,
    );
  }
  const useToken = secretName !== undefined && credentials.token !== undefined;
  if (secretName && !useToken) {
    if (credentials.username === undefined) return providerError('prometheus credentials does not contain a username');
    if (credentials.password === undefined) return providerError('prometheus credentials does not contain a password');
  }
  let promql: string;
  try {
    promql = renderQuery(template.spec.query ?? '', metricTemplateModel(canary, req.interval, req.metric.templateVariables));
  } catch (e) {
    return { error: { class: 'template-error', stage: 'render', detail: (e as Error).message } };
  }
  let client: MetricsProvider;
  try {
    client = o.prometheus.client({
      address: provider.address ?? '',
      headers: provider.headers,
      insecureSkipVerify: provider.insecureSkipVerify,
      ...(useToken ? { token: credentials.token } : { username: credentials.username, password: credentials.password }),
    });
  } catch (e) {
    return providerError((e as Error).message);
  }
  return query(client, promql, signal);
}
