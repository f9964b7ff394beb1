import { authorName, type AlertMessage } from './types';

/** An Office 365 connector MessageCard, as Flagger posts it to MS Teams incoming webhooks. */
export function msTeamsPayload(m: AlertMessage) {
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: m.severity === 'error' ? 'FF0000' : '0076D7',
    summary: authorName(m),
    sections: [
      {
        activityTitle: m.message,
        activitySubtitle: authorName(m),
        facts: m.fields.map(f => ({ name: f.name, value: f.value })),
      },
    ],
  };
}
