import fs from 'node:fs';
// eslint-disable-next-line @backstage/no-undeclared-imports -- the repository's own TypeScript (root devDependency)
import ts from 'typescript';

/**
 * Every leaf config key a plugin's `config.d.ts` declares, as dotted paths (`delivery.clusters[].name`,
 * `delivery.grafana.dashboards.*`), read with the TypeScript parser so docs can be checked against it.
 */
export function configKeys(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const keys: string[] = [];
  const visitType = (type: ts.TypeNode | undefined, prefix: string) => {
    if (!type) return;
    if (ts.isTypeLiteralNode(type)) {
      let leaf = true;
      for (const m of type.members) {
        if (ts.isPropertySignature(m) && m.name) {
          leaf = false;
          visitType(
            m.type,
            prefix
              ? `${prefix}.${m.name.getText(source)}`
              : m.name.getText(source),
          );
        } else if (ts.isIndexSignatureDeclaration(m)) {
          leaf = false;
          visitType(m.type, `${prefix}.*`);
        }
      }
      if (leaf) keys.push(prefix);
      return;
    }
    // Arrays of objects get `[]` in the path; arrays of scalars are one key (`delivery.reconciler.clusters`).
    let element: ts.TypeNode | undefined;
    if (ts.isArrayTypeNode(type)) element = type.elementType;
    else if (
      ts.isTypeReferenceNode(type) &&
      type.typeName.getText(source) === 'Array'
    )
      element = type.typeArguments?.[0];
    if (element) {
      if (ts.isTypeLiteralNode(element)) visitType(element, `${prefix}[]`);
      else keys.push(prefix);
      return;
    }
    if (ts.isParenthesizedTypeNode(type)) {
      visitType(type.type, prefix);
      return;
    }
    keys.push(prefix);
  };
  source.forEachChild(node => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'Config') {
      for (const m of node.members) {
        if (ts.isPropertySignature(m))
          visitType(m.type, m.name.getText(source));
      }
    }
  });
  return keys;
}
