import { posix } from 'node:path';
import { authorName, type AlertMessage } from './types';

/**
 * Slack's attachment payload, which Discord (on its `/slack` endpoint) and Rocket.Chat accept too; only the colours
 * differ. Field for field what Flagger posts, so existing channel filters and bots keep matching.
 */

export interface SlackColours {
  ok: string;
  error: string;
}

export const SLACK_COLOURS: SlackColours = { ok: 'good', error: 'danger' };
export const ROCKET_COLOURS: SlackColours = { ok: '#0076D7', error: '#FF0000' };

export function slackPayload(
  m: AlertMessage,
  target: { channel: string; username: string },
  colours: SlackColours = SLACK_COLOURS,
) {
  return {
    channel: target.channel,
    username: target.username,
    icon_url: '',
    icon_emoji: ':rocket:',
    attachments: [
      {
        color: m.severity === 'error' ? colours.error : colours.ok,
        author_name: authorName(m),
        text: m.message,
        mrkdwn_in: ['text'],
        fields: m.fields.map(f => ({ title: f.name, value: f.value, short: false })),
      },
    ],
  };
}

/** Discord takes Slack payloads at `<webhook>/slack`; a URL already ending in `/slack` is left alone. */
export function discordSlackUrl(url: string): string {
  if (url.endsWith('/slack')) return url;
  const u = new URL(url);
  u.pathname = posix.join(u.pathname, 'slack');
  return u.toString();
}
