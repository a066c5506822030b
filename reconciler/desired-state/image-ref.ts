/**
 * Docker image references (`registry/repository:tag@sha256:<64 hex>`), parsed by the grammar of
 * distribution/reference, restricted to sha256 digests.
 */
export interface ImageRef {
  /** Registry host[:port], present when the first path component looks like one (has `.` or `:`, or is localhost). */
  registry?: string;
  /** Lower-case path, e.g. `base/challenge-prompt` or `library/node`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 lower-case hex>`. */
  digest?: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_NAME_LENGTH = 255;

/** Parses a reference; null when it is not a valid Docker image reference. */
export function parseImageRef(ref: string): ImageRef | null {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 1024) return null;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) return null;
  }
  if (rest.length === 0 || rest.length > MAX_NAME_LENGTH) return null;
  const components = rest.split('/');
  let registry: string | undefined;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!DOMAIN.test(first)) return null;
    registry = first;
    components.shift();
  }
  if (components.length === 0 || !components.every((c) => PATH_COMPONENT.test(c))) return null;
  const parsed: ImageRef = { repository: components.join('/') };
  if (registry !== undefined) parsed.registry = registry;
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

/** SemVer 2.0 (with an optional leading `v`, as many image tags have; no `+build`, which tags cannot carry). */
export function isSemverTag(tag: string): boolean {
  return SEMVER.test(tag);
}
