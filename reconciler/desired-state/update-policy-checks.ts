/**
 * `update:` policies (base images check/update): a policy needs the tag it works from, a channel names the image's
 * own tag, and a semver range must parse. Ranges use npm's semver grammar, read by the semver package.
 */
import semver from 'semver';
import { isSemverTag, parseImageRef } from './image-ref.ts';
import { describeValue } from './problem.ts';
import type { Finding } from './semantic-checks.ts';
import type { PathSegment } from './yaml-source.ts';

type Dict = Record<string, unknown>;
const asDict = (value: unknown): Dict | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : undefined);

/** The image-bearing objects that may carry `update:` (master, each challenge, broker), with their paths. */
function imageOwners(root: Dict): Array<{ path: PathSegment[]; owner: Dict }> {
  const owners: Array<{ path: PathSegment[]; owner: Dict | undefined }> = [{ path: ['master'], owner: asDict(root.master) }];
  if (Array.isArray(root.challenges)) root.challenges.forEach((c, i) => owners.push({ path: ['challenges', i], owner: asDict(c) }));
  owners.push({ path: ['broker'], owner: asDict(root.broker) });
  return owners.filter((o): o is { path: PathSegment[]; owner: Dict } => o.owner !== undefined);
}

export function checkUpdatePolicies(findings: Finding[], root: Dict): void {
  for (const { path, owner } of imageOwners(root)) {
    const policy = asDict(owner.update);
    if (policy) checkPolicy(findings, owner.image, policy, path);
  }
}

function checkPolicy(findings: Finding[], image: unknown, policy: Dict, owner: PathSegment[]): void {
  const range = typeof policy.semver === 'string' ? policy.semver : undefined;
  const channel = typeof policy.channel === 'string' ? policy.channel : undefined;
  if ((policy.channel === undefined) === (policy.semver === undefined)) {
    findings.push({
      path: [...owner, 'update'],
      target: 'key',
      message: `found ${policy.channel === undefined ? 'neither channel nor semver' : 'both channel and semver'}; expected exactly one: channel: <tag> (follow a mutable tag's digest) or semver: <range> (newest matching tag)`,
      rule: 'update-policy-kind',
    });
  }
  if (range !== undefined && semver.validRange(range) === null) {
    findings.push({
      path: [...owner, 'update', 'semver'],
      message: `found ${describeValue(range)}, expected a SemVer range such as ^2.3, ~1.4.0, 2.x or ">=2.0.0 <3.0.0"`,
      rule: 'update-policy-semver-range',
    });
  }
  if (typeof image !== 'string') return;
  const ref = parseImageRef(image);
  if (!ref) return; // the image-ref rule reports it
  if (ref.tag === undefined) {
    const example = channel ?? (range !== undefined ? 'a SemVer tag like 2.3.0' : 'latest');
    findings.push({
      path: [...owner, 'update'],
      target: 'key',
      message: `found an update policy on ${describeValue(image)}, which has no tag; expected the image to name the tag the policy works from (${example}), e.g. registry/repository:${channel ?? '2.3.0'}@sha256:<64 hex>`,
      rule: 'update-policy-needs-tag',
    });
    return;
  }
  if (channel !== undefined && ref.tag !== channel) {
    findings.push({
      path: [...owner, 'update', 'channel'],
      message: `found the channel "${channel}" on an image tagged "${ref.tag}"; expected the image's own tag (the channel is the tag whose digest is followed)`,
      rule: 'update-policy-channel-tag',
    });
  }
  if (range !== undefined && !isSemverTag(ref.tag)) {
    findings.push({
      path: [...owner, 'update', 'semver'],
      message: `found a semver range on an image tagged "${ref.tag}"; expected a SemVer tag like 2.3.0 (the range picks among SemVer tags)`,
      rule: 'update-policy-semver-tag',
    });
  }
}
