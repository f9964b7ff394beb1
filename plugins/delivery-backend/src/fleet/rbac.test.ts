import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FLEET_WATCHES } from './aggregator';

describe('aggregator ClusterRole', () => {
  const file = path.resolve(__dirname, '../../deploy/rbac/aggregator-clusterrole.yaml');
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS());
  const role = docs.find(d => d.kind === 'ClusterRole');

  it('grants get/list/watch and nothing else', () => {
    for (const rule of role.rules) expect([...rule.verbs].sort()).toEqual(['get', 'list', 'watch']);
  });

  it('covers exactly the kinds the aggregator watches', () => {
    const granted = new Set<string>();
    for (const rule of role.rules) {
      for (const g of rule.apiGroups) for (const r of rule.resources) granted.add(`${g}/${r}`);
    }
    const watched = new Set(FLEET_WATCHES.map(w => `${w.kind.group}/${w.kind.plural}`));
    expect([...granted].sort()).toEqual([...watched].sort());
  });
});
