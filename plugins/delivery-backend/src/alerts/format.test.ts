import { formatAlert } from './format';
import { discordSlackUrl } from './slack';
import type { AlertMessage, ResolvedProvider } from './types';

const message = (severity: AlertMessage['severity'] = 'info'): AlertMessage => ({
  name: 'podinfo',
  namespace: 'test',
  message: 'New revision detected, progressing canary analysis.',
  severity,
  fields: [
    { name: 'Cluster', value: 'prod' },
    { name: 'Target', value: 'Deployment/podinfo.test' },
  ],
});

const provider = (type: ResolvedProvider['type'], extra: Partial<ResolvedProvider> = {}): ResolvedProvider => ({
  type,
  url: 'https://hooks.example.com/services/T0/B0/x',
  channel: 'deploys',
  username: 'flagger',
  label: 'alert provider on-call.test',
  ...extra,
});

const slackBody = (color: string, text = 'New revision detected, progressing canary analysis.') => ({
  channel: 'deploys',
  username: 'flagger',
  icon_url: '',
  icon_emoji: ':rocket:',
  attachments: [
    {
      color,
      author_name: 'podinfo.test',
      text,
      mrkdwn_in: ['text'],
      fields: [
        { title: 'Cluster', value: 'prod', short: false },
        { title: 'Target', value: 'Deployment/podinfo.test', short: false },
      ],
    },
  ],
});

describe('formatAlert', () => {
  it('slack: attachment payload, good/danger colours, bearer token only when set', () => {
    expect(formatAlert(provider('slack'), message())).toEqual({
      url: 'https://hooks.example.com/services/T0/B0/x',
      headers: { 'content-type': 'application/json' },
      body: slackBody('good'),
    });
    const error = formatAlert(provider('slack', { token: 'xoxb-1' }), message('error'));
    expect(error.body).toEqual(slackBody('danger'));
    expect(error.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer xoxb-1' });
    // warn is not an error colour in Flagger
    expect((formatAlert(provider('slack'), message('warn')).body as any).attachments[0].color).toBe('good');
  });

  it('discord: the Slack payload, posted to <webhook>/slack, never with a token', () => {
    const post = formatAlert(provider('discord', { token: 'ignored' }), message('error'));
    expect(post.url).toBe('https://hooks.example.com/services/T0/B0/x/slack');
    expect(post.body).toEqual(slackBody('danger'));
    expect(post.headers).toEqual({ 'content-type': 'application/json' });
  });

  it.each([
    ['https://discord.com/api/webhooks/1/abc', 'https://discord.com/api/webhooks/1/abc/slack'],
    ['https://discord.com/api/webhooks/1/abc/', 'https://discord.com/api/webhooks/1/abc/slack'],
    ['https://discord.com/api/webhooks/1/abc/slack', 'https://discord.com/api/webhooks/1/abc/slack'],
    ['https://discord.com/api/webhooks/1/abc?wait=true', 'https://discord.com/api/webhooks/1/abc/slack?wait=true'],
  ])('discord URL %s → %s', (url, expected) => {
    expect(discordSlackUrl(url)).toBe(expected);
  });

  it('rocket: the Slack payload with #0076D7 / #FF0000', () => {
    expect(formatAlert(provider('rocket'), message()).body).toEqual(slackBody('#0076D7'));
    expect(formatAlert(provider('rocket'), message('error')).body).toEqual(slackBody('#FF0000'));
  });

  it('msteams: a MessageCard with facts, FF0000 for errors', () => {
    const expected = (themeColor: string) => ({
      '@type': 'MessageCard',
      '@context': 'http://schema.org/extensions',
      themeColor,
      summary: 'podinfo.test',
      sections: [
        {
          activityTitle: 'New revision detected, progressing canary analysis.',
          activitySubtitle: 'podinfo.test',
          facts: [
            { name: 'Cluster', value: 'prod' },
            { name: 'Target', value: 'Deployment/podinfo.test' },
          ],
        },
      ],
    });
    expect(formatAlert(provider('msteams'), message()).body).toEqual(expected('0076D7'));
    expect(formatAlert(provider('msteams'), message('error')).body).toEqual(expected('FF0000'));
  });

  it('gchat: a card with the message first and one section per field', () => {
    expect(formatAlert(provider('gchat'), message('error')).body).toEqual({
      cards: [
        {
          header: { title: 'Flagger', subtitle: 'podinfo.test', imageUrl: 'https://flagger.app/favicon.png' },
          sections: [
            {
              widgets: [
                {
                  textParagraph: {
                    text: '<font color=#848484><strong>New revision detected, progressing canary analysis.</strong></font>',
                  },
                },
              ],
            },
            { widgets: [{ textParagraph: { text: 'Cluster<br><font color=#848484><strong>prod</strong></font>' } }] },
            {
              widgets: [
                {
                  textParagraph: {
                    text: 'Target<br><font color=#848484><strong>Deployment/podinfo.test</strong></font>',
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('an alert without fields sends empty field lists, not missing keys', () => {
    const bare = { ...message(), fields: [] };
    expect((formatAlert(provider('slack'), bare).body as any).attachments[0].fields).toEqual([]);
    expect((formatAlert(provider('msteams'), bare).body as any).sections[0].facts).toEqual([]);
    expect((formatAlert(provider('gchat'), bare).body as any).cards[0].sections).toHaveLength(1);
  });
});
