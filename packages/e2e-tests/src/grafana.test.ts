// Not gated: needs only Prometheus' promtool (Debian package `prometheus`, installed by scripts/setup.sh --system).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './lib/backend';

const dir = path.join(repoRoot, 'deploy/grafana');
const files = fs.readdirSync(dir).filter(f => f.endsWith('.json'));

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// eslint-disable-next-line jest/no-disabled-tests
const describeIfPromtool = promtool ? describe : describe.skip;

interface Panel {
  title: string;
  targets?: Array<{ expr?: string; refId: string }>;
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  templating: { list: Array<{ name: string }> };
  panels: Panel[];
}

/** Grafana's variables and macros replaced by sample values, as Grafana would before sending the query. */
function substitute(expr: string): string {
  const values: Record<string, string> = {
    namespace: 'test',
    primary: 'podinfo-primary',
    canary: 'podinfo',
    __rate_interval: '1m',
    __interval: '15s',
    __range: '30m',
    datasource: 'prometheus',
  };
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
    (whole, braced: string, bare: string) => {
      const name = braced ?? bare;
      if (!(name in values))
        throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
      return values[name];
    },
  );
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap(p => [p, ...allPanels(p.panels ?? [])]);
}

describe('Grafana dashboards (deploy/grafana)', () => {
  it('ships one dashboard per router family', () => {
    expect(files.sort()).toEqual([
      'delivery-canary-gatewayapi.json',
      'delivery-canary-linkerd.json',
      'delivery-canary-nginx.json',
    ]);
  });

  it.each(files)(
    '%s loads and has the variables the Delivery tab links with',
    file => {
      const d = JSON.parse(
        fs.readFileSync(path.join(dir, file), 'utf8'),
      ) as Dashboard;
      expect(d.uid).toMatch(/^delivery-/);
      const vars = d.templating.list.map(v => v.name);
      expect(vars).toEqual(
        expect.arrayContaining(['namespace', 'primary', 'canary']),
      );
      const exprs = allPanels(d.panels).flatMap(p =>
        (p.targets ?? []).map(t => t.expr ?? ''),
      );
      expect(exprs.length).toBeGreaterThanOrEqual(6);
      // Every required view is there: rate, success, latency percentiles and the canary weight.
      const titles = allPanels(d.panels).map(p => p.title.toLowerCase());
      for (const t of [
        'request rate',
        'success rate',
        'latency',
        'canary weight',
      ]) {
        expect(titles.some(x => x.includes(t))).toBe(true);
      }
      expect(exprs.some(e => e.includes('flagger_canary_weight'))).toBe(true);
      for (const e of exprs) expect(e).not.toBe('');
    },
  );

  // eslint-disable-next-line jest/valid-title -- the skip reason is part of the title
  describeIfPromtool(
    promtool
      ? 'with promtool'
      : 'with promtool (skipped: promtool not installed; apt-get install prometheus)',
    () => {
      it.each(files)(
        'every panel query of %s parses as PromQL (promtool check rules)',
        file => {
          const d = JSON.parse(
            fs.readFileSync(path.join(dir, file), 'utf8'),
          ) as Dashboard;
          const rules = allPanels(d.panels).flatMap(p =>
            (p.targets ?? []).map(t => ({
              record: `panel:${p.title.replace(/[^a-zA-Z0-9]+/g, '_')}:${
                t.refId
              }`,
              expr: substitute(t.expr!),
            })),
          );
          const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-promql-'));
          const rulesFile = path.join(tmp, 'rules.json');
          // JSON is YAML, and quoting is then exact for every expression.
          fs.writeFileSync(
            rulesFile,
            JSON.stringify({ groups: [{ name: file, rules }] }),
          );
          try {
            const out = execFileSync(
              'promtool',
              ['check', 'rules', rulesFile],
              { encoding: 'utf8', stdio: 'pipe' },
            );
            expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
          } catch (e) {
            const err = e as { stdout?: string; stderr?: string };
            throw new Error(
              `promtool rejected a query of ${file}:\n${err.stdout ?? ''}${
                err.stderr ?? ''
              }`,
            );
          } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
          }
        },
      );

      it('rejects a broken query (the check can fail)', () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-promql-'));
        const rulesFile = path.join(tmp, 'rules.json');
        fs.writeFileSync(
          rulesFile,
          JSON.stringify({
            groups: [
              { name: 'x', rules: [{ record: 'r', expr: 'sum(rate(x[1m])' }] },
            ],
          }),
        );
        expect(() =>
          execFileSync('promtool', ['check', 'rules', rulesFile], {
            stdio: 'pipe',
          }),
        ).toThrow();
        fs.rmSync(tmp, { recursive: true, force: true });
      });
    },
  );

  it('substitutes Grafana variables and refuses unknown ones', () => {
    expect(
      substitute('x{namespace="$namespace",a=~"${canary}"}[$__rate_interval]'),
    ).toBe('x{namespace="test",a=~"podinfo"}[1m]');
    expect(() => substitute('x{a="$nope"}')).toThrow(
      /unknown Grafana variable \$nope/,
    );
  });
});
