import type { Canary } from '@delivery/plugin-delivery-common';
import type { ObjectReader, ObjectWriter } from '../kube/types';
import { GatewayApiRouter } from './gatewayapi';
import { KubernetesRouter } from './kubernetes';
import { LinkerdRouter } from './linkerd';
import { NginxRouter } from './nginx';
import type { Router, SpecProblem } from './router';

/**
 * Maps `spec.provider` (or the configured default mesh provider) to a router. Flagger silently falls back to Istio
 * for names it does not know; we throw instead, because a canary routed by the wrong mesh fails in confusing ways.
 */

export const SUPPORTED_PROVIDERS = [
  'kubernetes',
  'linkerd',
  'smi:v1alpha1',
  'gatewayapi:v1',
  'gatewayapi:v1beta1',
  'nginx',
] as const;

export class UnknownProviderError extends Error {
  readonly name = 'UnknownProviderError';
  constructor(readonly provider: string, readonly field: string) {
    super(
      `${field}: provider "${provider}" is not supported by the Delivery reconciler; use one of ${SUPPORTED_PROVIDERS.join(
        ', ',
      )}${hint(provider)}`,
    );
  }
}

function hint(provider: string): string {
  if (provider === 'gatewayapi')
    return ' (Gateway API needs a version: gatewayapi:v1)';
  if (provider.startsWith('smi'))
    return ' (only SMI v1alpha1 TrafficSplits are supported)';
  if (provider === '')
    return ' (set spec.provider or delivery.reconciler.meshProvider)';
  return '';
}

export interface RouterFactoryOptions {
  reader: ObjectReader;
  writer: ObjectWriter;
  /** Used when a Canary has no `spec.provider` (Flagger's `-mesh-provider`). */
  defaultProvider: string;
  /** ingress-nginx annotations prefix; defaults to `nginx.ingress.kubernetes.io`. */
  nginxAnnotationsPrefix?: string;
}

export class RouterFactory {
  private readonly options: RouterFactoryOptions;

  constructor(options: RouterFactoryOptions) {
    this.options = options;
  }

  /** The provider in effect for a canary: its own, else the default. */
  providerOf(canary: Canary): string {
    return canary.spec.provider || this.options.defaultProvider;
  }

  /** The router for a canary; throws UnknownProviderError naming the field to fix. */
  forCanary(canary: Canary): Router {
    const field = canary.spec.provider
      ? 'spec.provider'
      : 'delivery.reconciler.meshProvider';
    return this.forProvider(this.providerOf(canary), field);
  }

  forProvider(provider: string, field = 'spec.provider'): Router {
    const { reader, writer } = this.options;
    if (provider === 'kubernetes') return new KubernetesRouter();
    if (provider === 'linkerd')
      return new LinkerdRouter({ reader, writer, provider });
    if (provider === 'smi:v1alpha1' || provider.startsWith('smi:v1alpha1:')) {
      return new LinkerdRouter({ reader, writer, provider });
    }
    if (provider === 'gatewayapi:v1')
      return new GatewayApiRouter({ reader, writer, version: 'v1' });
    if (provider === 'gatewayapi:v1beta1')
      return new GatewayApiRouter({ reader, writer, version: 'v1beta1' });
    if (provider === 'nginx') {
      return new NginxRouter({
        reader,
        writer,
        annotationsPrefix: this.options.nginxAnnotationsPrefix,
      });
    }
    throw new UnknownProviderError(provider, field);
  }

  /** Everything that keeps this canary from being routed, including an unknown provider. */
  validate(canary: Canary): SpecProblem[] {
    let router: Router;
    try {
      router = this.forCanary(canary);
    } catch (e) {
      if (!(e instanceof UnknownProviderError)) throw e;
      return [
        {
          field: e.field,
          message: `provider "${e.provider}" is not supported by the Delivery reconciler`,
          fix: `use one of ${SUPPORTED_PROVIDERS.join(', ')}${hint(
            e.provider,
          )}`,
        },
      ];
    }
    return router.validate(canary);
  }
}
