/**
 * `base images check`: for each image of a valid desired-state file that carries an `update:` policy, what the
 * registry says it should be. Reads the registry (through the RegistryReader given), never writes. When any image
 * cannot be resolved the whole check fails, naming every failure by FILE:LINE:COL.
 */
import { parseImageRef, type ImageRef } from '../desired-state/image-ref.ts';
import type { SubnetDesiredState, UpdatePolicy } from '../desired-state/subnet.types.ts';
import { findImageSites, type ImageSite } from '../challenge/pin.ts';
import { chooseTag, decideImage, policyRule, type ImageDecision, type PolicyRule, type UpdateMode } from './decide.ts';

export const IMAGE_REPORT_FORMAT_VERSION = 1;

export class ImagesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagesError';
  }
}

export interface ImageCheck extends ImageDecision {
  /** e.g. `master.image`, `challenges[1].image`, `broker.image`. */
  path: string;
  line: number;
  column: number;
  policy: PolicyRule;
  mode: UpdateMode;
}

export interface ImageReport {
  format_version: typeof IMAGE_REPORT_FORMAT_VERSION;
  file: string;
  /** Every image with a policy, in file order. */
  images: ImageCheck[];
  /** How many of them would change. */
  updates: number;
}

/** The registry questions a check asks; the real one is the registry client `base pin` uses. */
export interface RegistryReader {
  listTags(ref: ImageRef): Promise<string[]>;
  resolveDigest(ref: ImageRef): Promise<string>;
}

/** The policy of the object owning an image site (`master.image` → master.update). */
export function policyAt(state: SubnetDesiredState, sitePath: string): UpdatePolicy | undefined {
  if (sitePath === 'master.image') return state.master.update;
  if (sitePath === 'broker.image') return state.broker?.update;
  const match = /^challenges\[(\d+)\]\.image$/.exec(sitePath);
  return match ? state.challenges[Number(match[1])]?.update : undefined;
}

export interface CheckedImages {
  report: ImageReport;
  /** The YAML scalars, by path, for rewriting. */
  sites: Map<string, ImageSite>;
}

/** `text` must be the file `state` was parsed from (so positions and values agree). */
export async function checkImages(text: string, file: string, state: SubnetDesiredState, registry: RegistryReader): Promise<CheckedImages> {
  const { sites } = findImageSites(text, file);
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let pending = memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      memo.set(key, pending);
    }
    return pending;
  };
  const failures: string[] = [];
  const checks: ImageCheck[] = [];
  await Promise.all(
    sites.map(async (site) => {
      const policy = policyAt(state, site.path);
      if (!policy) return;
      const where = `${file}:${site.line}:${site.column}: ${site.path}`;
      const current = parseImageRef(site.value);
      if (!current) {
        failures.push(`${where}: ${JSON.stringify(site.value)} is not an image reference`);
        return;
      }
      const rule = policyRule(policy);
      const repo: ImageRef = { repository: current.repository };
      if (current.registry !== undefined) repo.registry = current.registry;
      const repoKey = `${current.registry ?? ''}/${current.repository}`;
      try {
        const tags = 'semver' in rule ? await once(`tags ${repoKey}`, () => registry.listTags(repo)) : [];
        const choice = chooseTag(rule, tags, current.tag);
        if (!choice.ok) {
          failures.push(`${where}: ${repoKey.replace(/^\//, '')}: ${choice.reason}`);
          return;
        }
        const digest = await once(`digest ${repoKey}:${choice.tag}`, () => registry.resolveDigest({ ...repo, tag: choice.tag }));
        checks.push({ path: site.path, line: site.line, column: site.column, policy: rule, mode: policy.mode ?? 'commit', ...decideImage(current, choice.tag, digest) });
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`);
      }
    }),
  );
  if (failures.length > 0) throw new ImagesError(`cannot check the images; nothing written:\n${failures.sort().join('\n')}`);
  checks.sort((a, b) => a.line - b.line || a.column - b.column);
  const report: ImageReport = { format_version: IMAGE_REPORT_FORMAT_VERSION, file, images: checks, updates: checks.filter((c) => c.action === 'update').length };
  return { report, sites: new Map(sites.map((s) => [s.path, s])) };
}
