import { googleChatPayload } from './googleChat';
import { msTeamsPayload } from './msteams';
import { ROCKET_COLOURS, discordSlackUrl, slackPayload } from './slack';
import type { AlertMessage, AlertPost, ResolvedProvider } from './types';

/** The POST a provider type gets for an alert: URL, JSON body and headers. */
export function formatAlert(p: ResolvedProvider, m: AlertMessage): AlertPost {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  switch (p.type) {
    case 'slack':
      if (p.token) headers.authorization = `Bearer ${p.token}`;
      return { url: p.url, headers, body: slackPayload(m, p) };
    case 'discord':
      return { url: discordSlackUrl(p.url), headers, body: slackPayload(m, p) };
    case 'rocket':
      return { url: p.url, headers, body: slackPayload(m, p, ROCKET_COLOURS) };
    case 'msteams':
      return { url: p.url, headers, body: msTeamsPayload(m) };
    case 'gchat':
      return { url: p.url, headers, body: googleChatPayload(m) };
    default:
      throw new Error(`provider ${(p as { type: string }).type} not supported`);
  }
}
