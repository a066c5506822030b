import type { ApiPromise } from '@polkadot/api';
import type { DispatchError } from '@polkadot/types/interfaces';

/** A failed dispatch, decoded: module errors by their pallet and name (e.g. `subtensorModule.IncorrectWeightVersionKey`). */
export interface DecodedDispatchError {
  kind: 'module' | 'other';
  /** `Pallet.ErrorName` for module errors, else the DispatchError variant (`BadOrigin`, `Token`, ...). */
  name: string;
  pallet?: string;
  error?: string;
  docs?: string;
}

export function decodeDispatchError(api: ApiPromise, dispatchError: DispatchError): DecodedDispatchError {
  if (dispatchError.isModule) {
    try {
      const meta = api.registry.findMetaError(dispatchError.asModule);
      return {
        kind: 'module',
        name: `${meta.section}.${meta.name}`,
        pallet: meta.section,
        error: meta.name,
        docs: meta.docs.join(' ').trim(),
      };
    } catch {
      // An index the metadata does not know: report it raw rather than lose it.
      const { index, error } = dispatchError.asModule;
      return { kind: 'module', name: `module(${index.toString()}).error(${error.toHex()})` };
    }
  }
  const variant = dispatchError.type;
  const json = dispatchError.toJSON() as Record<string, unknown> | string;
  const detail = typeof json === 'object' && json !== null ? json[lowerFirst(variant)] : undefined;
  return { kind: 'other', name: detail === undefined || detail === null ? variant : `${variant}(${JSON.stringify(detail)})` };
}

/** One line for humans: `subtensorModule.IncorrectWeightVersionKey` (plus the runtime's doc line when it has one). */
export function describeDispatchError(api: ApiPromise, dispatchError: DispatchError): string {
  const decoded = decodeDispatchError(api, dispatchError);
  return decoded.docs ? `${decoded.name} (${decoded.docs})` : decoded.name;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
