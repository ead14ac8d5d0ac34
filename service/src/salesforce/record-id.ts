/**
 * Salesforce record and org Ids as users and the package send them: 15 case-sensitive characters, or 18 with a
 * suffix that encodes the case of the first 15 (Salesforce Help, "What is a Salesforce ID?"). The backup keys
 * everything by the 18-character form.
 */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

function caseSuffix(id15: string): string {
  let suffix = '';
  for (let start = 0; start < 15; start += 5) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[start + i]!)) bits += 2 ** i;
    suffix += SUFFIX[bits];
  }
  return suffix;
}

/** The 18-character form of a 15- or 18-character Id, or null when it is not one (a wrong suffix included). */
export function canonicalId(id: string): string | null {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id)) return null;
  const id15 = id.slice(0, 15);
  const suffix = caseSuffix(id15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== suffix) return null;
  return id15 + suffix;
}
