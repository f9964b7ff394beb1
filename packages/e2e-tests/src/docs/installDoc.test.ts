import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../lib/backend';
import { configKeys } from './configKeys';

const installDoc = fs.readFileSync(
  path.join(repoRoot, 'docs/install.md'),
  'utf8',
);

describe('docs/install.md documents every config key', () => {
  const files = [
    'plugins/delivery-backend/config.d.ts',
    'plugins/delivery/config.d.ts',
  ];

  it.each(files)('%s', file => {
    const keys = configKeys(path.join(repoRoot, file));
    expect(keys.length).toBeGreaterThan(3);
    const missing = keys.filter(k => !installDoc.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });

  it('reads nested, array and map keys from a config.d.ts', () => {
    const tmp = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')),
      'config.d.ts',
    );
    fs.writeFileSync(
      tmp,
      'export interface Config { a?: { list?: Array<{ name: string }>; names?: string[]; map?: { [k: string]: string }; flag?: boolean } }',
    );
    expect(configKeys(tmp)).toEqual([
      'a.list[].name',
      'a.names',
      'a.map.*',
      'a.flag',
    ]);
  });
});
