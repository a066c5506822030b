import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';

interface CheckFlags {
  json?: boolean;
  markdown?: boolean;
  showCurrent?: boolean;
  timeout: string;
}

function timeoutMs(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`--timeout: expected a number of seconds > 0, found ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/** The registry client of `base pin`, behind the check's RegistryReader. */
async function registryReader(ms: number) {
  const { listTags, resolveTagDigest } = await import('../../challenge/registry-digest.ts');
  return { listTags: (ref: Parameters<typeof listTags>[0]) => listTags(ref, { timeoutMs: ms }), resolveDigest: (ref: Parameters<typeof resolveTagDigest>[0]) => resolveTagDigest(ref, { timeoutMs: ms }) };
}

/** Known failures (bad file, registry, Git) become UserErrors: printed plainly, exit 1. */
async function plainly<T>(run: () => Promise<T>): Promise<T> {
  const { ImagesError } = await import('../../images/check.ts');
  const { PinError } = await import('../../challenge/pin.ts');
  try {
    return await run();
  } catch (error) {
    if (error instanceof ImagesError || error instanceof PinError) throw new UserError(error.message);
    throw error;
  }
}

/** `base images check|update [FILE]`: keep images current by their `update:` policies, through Git. */
export function register(program: Command): void {
  const images = program
    .command('images')
    .description("Keep images current by their update: policies: check what would change, or update and commit")
    .addHelpText(
      'after',
      `
A policy sits beside an image (master, each challenge, broker):
  update: { channel: latest }            follow the tag's digest (the channel is the image's own tag)
  update: { semver: "^2.3" }             the newest registry tag satisfying the range, pinned by digest
  update: { ..., mode: pull-request }    default mode: commit

Tags and digests come from the Registry HTTP API v2, as for base pin. Only tag@digest references are written.

Examples:
  base images check                        # exit 2 when updates exist
  base images check --markdown             # a pull-request comment
  base images update desired-state/subnet.yaml`,
    );

  images
    .command('check')
    .description('Print what the update policies would change (text, --json or --markdown); writes nothing')
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--json', 'print the report as JSON (with format_version)')
    .option('--markdown', 'print the report as Markdown (a pull-request comment)')
    .option('--show-current', 'also list images that are current')
    .option('--timeout <seconds>', 'per registry request', '15')
    .addHelpText('after', '\nExit status: 0 no updates, 2 updates exist, 1 on an error (an invalid file, a tag that vanished, a range nothing satisfies).')
    .action(
      action(async (file: string, flags: CheckFlags) => {
        if (flags.json && flags.markdown) throw new UserError('--json and --markdown: choose one output format');
        const ms = timeoutMs(flags.timeout);
        const { parseDesiredState, requireValid } = await import('../../desired-state/index.ts');
        const { readDesiredStateText } = await import('../../challenge/pin.ts');
        const { checkImages } = await import('../../images/check.ts');
        const { renderImageReportJson, renderImageReportMarkdown, renderImageReportText } = await import('../../render/image-report.ts');
        const { colorEnabled } = await import('../../render/index.ts');
        const { report } = await plainly(async () => {
          const text = await readDesiredStateText(file);
          return checkImages(text, file, requireValid(parseDesiredState(text, file)), await registryReader(ms));
        });
        if (flags.json) process.stdout.write(renderImageReportJson(report));
        else if (flags.markdown) process.stdout.write(renderImageReportMarkdown(report, { title: file }));
        else process.stdout.write(renderImageReportText(report, { color: colorEnabled(process.stdout), showCurrent: Boolean(flags.showCurrent) }));
        return report.updates > 0 ? 2 : 0;
      }),
    );

  images
    .command('update')
    .description("Rewrite the images the policies move (only their values, comments kept) and git commit the file")
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--timeout <seconds>', 'per registry request', '15')
    .addHelpText(
      'after',
      `
The file must be in a Git repository and have no uncommitted changes. One commit holds exactly the image edits; its
message names each image with its old and new reference (tag@digest). Images whose policy has mode: pull-request
are reported and left alone (pull requests are not made by this command yet). Nothing is written when any image
cannot be resolved; when the commit fails the file is put back.

Exit status: 0 committed or nothing to do, 1 on an error.`,
    )
    .action(
      action(async (file: string, flags: { timeout: string }) => {
        const ms = timeoutMs(flags.timeout);
        const { updateImages } = await import('../../images/update.ts');
        const result = await plainly(async () => updateImages(file, await registryReader(ms)));
        for (const c of result.applied) process.stdout.write(`${file}:${c.line}:${c.column}: ${c.path}: ${c.from} -> ${c.to}\n`);
        for (const c of result.proposed) process.stdout.write(`${file}:${c.line}:${c.column}: ${c.path}: left for a pull request (mode pull-request): ${c.from} -> ${c.to}\n`);
        if (result.commit) process.stdout.write(`${file}: committed ${result.applied.length} image update${result.applied.length === 1 ? '' : 's'} as ${result.commit.slice(0, 12)}\n`);
        else process.stdout.write(`${file}: nothing to commit (${result.report.images.length} image${result.report.images.length === 1 ? '' : 's'} with a policy, ${result.report.updates} update${result.report.updates === 1 ? '' : 's'})\n`);
        return 0;
      }),
    );
}
