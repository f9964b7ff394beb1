import { authorName, type AlertMessage } from './types';

/**
 * A Google Chat card: the message in the first section, then one section per field. Values are inserted as Flagger
 * does, unescaped (Chat renders a small HTML subset).
 */
export function googleChatPayload(m: AlertMessage) {
  const paragraph = (text: string) => ({ widgets: [{ textParagraph: { text } }] });
  return {
    cards: [
      {
        header: { title: 'Flagger', subtitle: authorName(m), imageUrl: 'https://flagger.app/favicon.png' },
        sections: [
          paragraph(`<font color=#848484><strong>${m.message}</strong></font>`),
          ...m.fields.map(f => paragraph(`${f.name}<br><font color=#848484><strong>${f.value}</strong></font>`)),
        ],
      },
    ],
  };
}
