import type { AlertSeverity } from '../reconciler/types';

/** What the notifier delivers and to whom, independent of the chat product (Flagger's notifier.Field / Post). */

export interface AlertField {
  name: string;
  value: string;
}

/** One alert about one canary: the message, its severity and the fields shown under it. */
export interface AlertMessage {
  /** Canary name and namespace; every format shows them as `<name>.<namespace>`. */
  name: string;
  namespace: string;
  message: string;
  severity: AlertSeverity;
  fields: AlertField[];
}

export const ALERT_PROVIDER_TYPES = ['slack', 'msteams', 'discord', 'rocket', 'gchat'] as const;
export type AlertProviderType = (typeof ALERT_PROVIDER_TYPES)[number];

/** A destination ready to post to: an AlertProvider after defaults and its Secret, or the global notifier. */
export interface ResolvedProvider {
  type: AlertProviderType;
  /** Webhook URL; a credential for most products, so it is never logged. */
  url: string;
  channel: string;
  username: string;
  /** HTTP proxy every request to `url` goes through (CONNECT tunnel). */
  proxy?: string;
  /** Sent as `Authorization: Bearer` (Slack only, as in Flagger). */
  token?: string;
  /** For logs: `alert provider <name>.<ns>` or `global notifier`. */
  label: string;
}

/** One HTTP POST, as the formatter builds it and the transport sends it. */
export interface AlertPost {
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

export const authorName = (m: Pick<AlertMessage, 'name' | 'namespace'>) => `${m.name}.${m.namespace}`;
