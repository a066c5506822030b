/** `base challenge create`: a new challenge repository rendered from `challenge-template/`. */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseImageRef } from '../desired-state/image-ref.ts';
import { subnetStanza } from './stanza.ts';
import { defaultName, nameProblem, readTemplate, renderTemplate, slugProblem, TEMPLATE_DIR } from './template.ts';

export class CreateChallengeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CreateChallengeError';
  }
}

export interface CreateChallengeOptions {
  slug: string;
  out: string;
  name?: string;
  /** Image repository to suggest, without tag (default `ghcr.io/OWNER/challenge-<slug>`). */
  imageRepository?: string;
  templateDir?: string;
}

export interface CreatedChallenge {
  dir: string;
  slug: string;
  name: string;
  files: string[];
  image: string;
  version: string;
  stanza: string;
}

export async function createChallenge(options: CreateChallengeOptions): Promise<CreatedChallenge> {
  const { slug } = options;
  const badSlug = slugProblem(slug);
  if (badSlug) throw new CreateChallengeError(`slug: ${badSlug}`);
  const name = options.name ?? defaultName(slug);
  const badName = nameProblem(name);
  if (badName) throw new CreateChallengeError(`--name: ${badName}`);

  if (options.imageRepository !== undefined) {
    const ref = parseImageRef(options.imageRepository);
    if (!ref || ref.tag || ref.digest) {
      throw new CreateChallengeError(`--image: found ${JSON.stringify(options.imageRepository)}, expected an image repository without tag or digest, e.g. ghcr.io/acme/challenge-${slug}`);
    }
  }
  const dir = resolve(options.out);
  const files = renderTemplate(await readTemplate(options.templateDir ?? TEMPLATE_DIR), slug, name);
  const version = JSON.parse(files.find((f) => f.path === 'package.json')?.content ?? '{}').version ?? '0.1.0';

  await mkdir(dirname(dir), { recursive: true });
  try {
    // Not recursive: fails when the folder exists, so nothing of an existing folder is ever overwritten.
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CreateChallengeError(`${options.out} already exists; choose a new folder (nothing was written)`);
    throw error;
  }
  try {
    for (const file of files) {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content, { flag: 'wx' });
      await chmod(target, file.mode);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const image = `${options.imageRepository ?? `ghcr.io/OWNER/challenge-${slug}`}:${version}`;
  return {
    dir,
    slug,
    name,
    files: files.map((f) => f.path),
    image,
    version,
    stanza: subnetStanza({ slug, name, image, version, emissionPercent: 10 }),
  };
}

/** What to do next, for the terminal. */
export function nextSteps(created: CreatedChallenge, out: string): string {
  return `Created ${created.name} (${created.slug}) in ${out}: ${created.files.length} files.

Next steps:
  1. cd ${out} && git init && npm install && npm test
  2. Replace the example task in src/scoring.ts and src/app.ts with your challenge (keep /health, /version and
     /internal/v1/get_weights as they are: the master relies on them).
  3. Push to GitHub: .github/workflows/ci.yml tests every push and publishes ${created.image.replace(/:[^:]*$/, '')}
     on main and on v* tags (build locally: npm run build && docker build -t ${created.image} .).
  4. In the subnet's desired-state repository, add this entry under \`challenges:\` in desired-state/subnet.yaml
     (set emission_percent with the operator), then pin the image's digest and check the file:
       base pin desired-state/subnet.yaml
       base validate desired-state/subnet.yaml
  5. Open a pull request: CI comments the plan (a new service challenge-${created.slug}); the operator merges and applies.

subnet.yaml entry:
${created.stanza}`;
}
