#!/usr/bin/env node
// Generates the provisionable Grafana dashboards in this folder (one per router family) from one layout, so they
// stay consistent: node deploy/grafana/generate.mjs. Commit the JSON it writes.
//
// Variables `namespace`, `primary` and `canary` match the links the Delivery tab builds
// (plugins/delivery-backend/src/fleet/details.ts grafanaLink: var-namespace, var-primary=<target>-primary,
// var-canary=<target>); `cluster` narrows a shared Prometheus (Thanos, Mimir) and defaults to all.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);

/** The PromQL per router family: request rate, success rate and latency quantile of one workload. */
const FAMILIES = {
  linkerd: {
    title: 'Delivery canary — Linkerd',
    description: 'Primary vs canary from the Linkerd proxies (response_total, response_latency_ms).',
    rate: w => `sum(rate(response_total{namespace="$namespace",deployment="${w}",direction="inbound"}[$__rate_interval]))`,
    success: w =>
      `sum(rate(response_total{namespace="$namespace",deployment="${w}",direction="inbound",classification!="failure"}[$__rate_interval])) / sum(rate(response_total{namespace="$namespace",deployment="${w}",direction="inbound"}[$__rate_interval])) * 100`,
    latency: (w, q) =>
      `histogram_quantile(${q}, sum(rate(response_latency_ms_bucket{namespace="$namespace",deployment="${w}",direction="inbound"}[$__rate_interval])) by (le))`,
    latencyUnit: 'ms',
  },
  nginx: {
    title: 'Delivery canary — NGINX',
    description:
      'Primary vs canary from ingress-nginx (nginx_ingress_controller_*). The primary serves the apex Service and <target>-primary; the canary Ingress routes to <target>-canary.',
    rate: w => `sum(rate(nginx_ingress_controller_requests{namespace="$namespace",service=~"${nginxService(w)}"}[$__rate_interval]))`,
    success: w =>
      `sum(rate(nginx_ingress_controller_requests{namespace="$namespace",service=~"${nginxService(w)}",status!~"5.*"}[$__rate_interval])) / sum(rate(nginx_ingress_controller_requests{namespace="$namespace",service=~"${nginxService(w)}"}[$__rate_interval])) * 100`,
    latency: (w, q) =>
      `histogram_quantile(${q}, sum(rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="$namespace",service=~"${nginxService(w)}"}[$__rate_interval])) by (le)) * 1000`,
    latencyUnit: 'ms',
  },
  gatewayapi: {
    title: 'Delivery canary — Gateway API',
    description:
      "Primary vs canary from the application's own http_request_duration_seconds histogram (what Flagger's built-in checks use for Gateway API), by pod name.",
    rate: w => `sum(rate(http_request_duration_seconds_count{${podSelector(w)}}[$__rate_interval]))`,
    success: w =>
      `sum(rate(http_request_duration_seconds_count{${podSelector(w)},status!~"5.*"}[$__rate_interval])) / sum(rate(http_request_duration_seconds_count{${podSelector(w)}}[$__rate_interval])) * 100`,
    latency: (w, q) =>
      `histogram_quantile(${q}, sum(rate(http_request_duration_seconds_bucket{${podSelector(w)}}[$__rate_interval])) by (le)) * 1000`,
    latencyUnit: 'ms',
  },
};

function nginxService(w) {
  // `$canary` is the target name: its traffic goes through <target>-canary; the primary's through the apex and -primary.
  return w === '$canary' ? '$canary-canary' : '$canary|$primary';
}

function podSelector(w) {
  const base = `kubernetes_namespace="$namespace",kubernetes_pod_name=~"${w}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"`;
  // `<target>-<hash>` would also match `<target>-primary-<hash>`; RE2 has no lookahead, so exclude it explicitly.
  return w === '$canary' ? `${base},kubernetes_pod_name!~"$primary-.*"` : base;
}

const ds = { type: 'prometheus', uid: '${datasource}' };

function panel(id, title, gridPos, targets, unit, extra = {}) {
  return {
    id,
    type: 'timeseries',
    title,
    datasource: ds,
    gridPos,
    fieldConfig: { defaults: { unit, custom: { lineWidth: 2, fillOpacity: 5 } }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: targets.map((t, i) => ({ datasource: ds, refId: String.fromCharCode(65 + i), ...t })),
    ...extra,
  };
}

function textVar(name, label, def) {
  return { type: 'textbox', name, label, query: def, current: { text: def, value: def }, hide: 0 };
}

function dashboard(provider, f) {
  const both = fn => [
    { expr: fn('$primary'), legendFormat: 'primary ($primary)' },
    { expr: fn('$canary'), legendFormat: 'canary ($canary)' },
  ];
  const quantiles = [
    ...['0.5', '0.9', '0.99'].map(q => ({ expr: f.latency('$primary', q), legendFormat: `primary p${Number(q) * 100}` })),
    ...['0.5', '0.9', '0.99'].map(q => ({ expr: f.latency('$canary', q), legendFormat: `canary p${Number(q) * 100}` })),
  ];
  return {
    uid: `delivery-${provider}`,
    title: f.title,
    description: `${f.description} Linked from the Delivery tab with var-namespace, var-primary and var-canary.`,
    tags: ['delivery', 'flagger', 'canary', provider],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { type: 'datasource', name: 'datasource', label: 'Prometheus', query: 'prometheus', hide: 0 },
        textVar('namespace', 'Namespace', 'test'),
        textVar('primary', 'Primary workload', 'podinfo-primary'),
        textVar('canary', 'Canary workload', 'podinfo'),
      ],
    },
    annotations: { list: [] },
    panels: [
      panel(1, 'Request rate', { x: 0, y: 0, w: 12, h: 8 }, both(f.rate), 'reqps'),
      panel(2, 'Success rate (non-5xx)', { x: 12, y: 0, w: 12, h: 8 }, both(f.success), 'percent', {
        fieldConfig: {
          defaults: { unit: 'percent', min: 80, max: 100, custom: { lineWidth: 2, fillOpacity: 5 } },
          overrides: [],
        },
      }),
      panel(3, 'Latency percentiles', { x: 0, y: 8, w: 12, h: 8 }, quantiles, f.latencyUnit),
      panel(
        4,
        'Canary weight (flagger_canary_weight)',
        { x: 12, y: 8, w: 12, h: 8 },
        [
          {
            expr: 'max by (workload) (flagger_canary_weight{namespace="$namespace",workload=~"$primary|$canary"})',
            legendFormat: '{{workload}}',
          },
        ],
        'percent',
        {
          fieldConfig: {
            defaults: { unit: 'percent', min: 0, max: 100, custom: { lineWidth: 2, fillOpacity: 20, lineInterpolation: 'stepAfter' } },
            overrides: [],
          },
        },
      ),
      panel(
        5,
        'Canary phase (flagger_canary_status: 0 progressing, 1 idle/succeeded, 2 failed)',
        { x: 0, y: 16, w: 12, h: 6 },
        [{ expr: 'max by (cluster, name) (flagger_canary_status{namespace="$namespace",name="$canary"})', legendFormat: '{{cluster}}/{{name}}' }],
        'none',
      ),
      panel(
        6,
        'Analysis metrics (flagger_canary_metric_analysis)',
        { x: 12, y: 16, w: 12, h: 6 },
        [{ expr: 'max by (metric) (flagger_canary_metric_analysis{namespace="$namespace",name="$canary"})', legendFormat: '{{metric}}' }],
        'none',
      ),
    ],
  };
}

for (const [provider, f] of Object.entries(FAMILIES)) {
  const file = path.join(here, `delivery-canary-${provider}.json`);
  fs.writeFileSync(file, `${JSON.stringify(dashboard(provider, f), null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
