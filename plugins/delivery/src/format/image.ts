/**
 * An image reference cut where a line may break: after each `/` and before the `:` of a tag or the `@` of a digest,
 * so a narrow column wraps `ghcr.io/stefanprodan/` `podinfo` `:6.5.1` instead of splitting a version in two.
 */
export function imageParts(image: string): string[] {
  return image.split(/(?<=\/)|(?=[:@])/).filter(Boolean);
}
