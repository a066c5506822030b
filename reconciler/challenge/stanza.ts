import { stringify } from 'yaml';

export interface StanzaInput {
  slug: string;
  name: string;
  /** Image reference without a digest; `base pin` adds it. */
  image: string;
  version: string;
  emissionPercent: number;
}

/** The `challenges:` entry to add to subnet.yaml, indented as a list item under `challenges:`. */
export function subnetStanza(input: StanzaInput): string {
  const entry = {
    slug: input.slug,
    name: input.name,
    image: input.image,
    version: input.version,
    status: 'active',
    emission_percent: input.emissionPercent,
  };
  const body = stringify([entry], { indent: 2 }).trimEnd();
  return `${body
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;
}
