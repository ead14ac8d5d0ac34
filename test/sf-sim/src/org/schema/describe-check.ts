/**
 * Refuses a describe that contradicts itself, so a hand-edited payload cannot give the simulator a
 * schema no real org has. Salesforce names every custom object and custom field with a `__c`
 * suffix and describes it with `custom: true`; a name without a `__` suffix is standard
 * (`custom: false`). Other suffixes (`__s` geolocation components, `__pc`, …) are not checked.
 */
export function checkDescribe(
  objectName: string,
  top: Record<string, unknown> | undefined,
  fields: Record<string, unknown>[],
): void {
  if (top && typeof top.custom === 'boolean' && top.custom !== objectName.endsWith('__c'))
    throw new Error(
      `describe of ${objectName} contradicts itself: custom is ${String(top.custom)} but the object name ${objectName.endsWith('__c') ? 'ends' : 'does not end'} in __c`,
    );
  for (const f of fields) {
    const name = String(f.name);
    if (typeof f.custom !== 'boolean') continue;
    if (name.endsWith('__c') && !f.custom)
      throw new Error(
        `describe of ${objectName} contradicts itself: field ${name} ends in __c but says custom: false`,
      );
    if (!name.includes('__') && f.custom)
      throw new Error(
        `describe of ${objectName} contradicts itself: field ${name} has no __c suffix but says custom: true`,
      );
  }
}
