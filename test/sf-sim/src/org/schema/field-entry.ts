/**
 * Completes a describe field entry to the 57 keys a v48+ describe carries, inferring lengths,
 * soapType and flags from the type where a payload (trimmed or older) lacks them.
 */
const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  email: 'xsd:string',
  combobox: 'xsd:string',
  encryptedstring: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  long: 'xsd:long',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  base64: 'xsd:base64Binary',
  address: 'urn:address',
  location: 'urn:location',
  anyType: 'xsd:anyType',
};

const DEFAULT_LENGTH: Record<string, number> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 32000,
  picklist: 255,
  multipicklist: 4099,
  phone: 40,
  url: 255,
  email: 80,
  combobox: 255,
  encryptedstring: 175,
};

/** Fields the platform maintains; never createable or updateable. */
export const SYSTEM_FIELDS = new Set([
  'id',
  'isdeleted',
  'createddate',
  'createdbyid',
  'lastmodifieddate',
  'lastmodifiedbyid',
  'systemmodstamp',
  'lastvieweddate',
  'lastreferenceddate',
  'lastactivitydate',
  'isarchived',
  'bodylength',
  'contentsize',
  'filetype',
  'masterrecordid',
  'isclosed',
  'contentbodyid',
  'islatest',
  'versionnumber',
  'latestpublishedversionid',
  'contentmodifieddate',
  'numberofleads',
  'numberofconvertedleads',
  'numberofcontacts',
  'numberofresponses',
  'numberofopportunities',
  'numberofwonopportunities',
  'amountallopportunities',
  'amountwonopportunities',
  'commentcount',
  'likecount',
  'revision',
  'checksum',
  'textpreview',
  'versiondataurl',
]);

/** Fields the platform fills on insert when the client leaves them out. */
const DEFAULTED_ON_CREATE = new Set(['ownerid', 'authorid', 'developername']);

export const SOAP_TYPE_OF = (type: string): string => SOAP_TYPES[type] ?? 'xsd:string';

export function completeFieldEntry(src: Record<string, unknown>): Record<string, unknown> {
  const name = String(src.name);
  const type = String(src.type);
  const lower = name.toLowerCase();
  const system = SYSTEM_FIELDS.has(lower) || type === 'id';
  const isText = type in DEFAULT_LENGTH;
  const length =
    typeof src.length === 'number'
      ? src.length
      : isText
        ? lower === 'name'
          ? 80
          : (DEFAULT_LENGTH[type] ?? 0)
        : 0;
  const byteLength =
    typeof src.byteLength === 'number'
      ? src.byteLength
      : type === 'id' || type === 'reference'
        ? 18
        : type === 'multipicklist'
          ? length
          : length * 3;
  const calculated = src.calculated === true;
  const numberish = type === 'double' || type === 'currency' || type === 'percent';
  const compoundish = type === 'address' || type === 'location';
  const entry: Record<string, unknown> = {
    aggregatable: src.aggregatable ?? !(type === 'textarea' || compoundish || type === 'base64'),
    aiPredictionField: false,
    autoNumber: src.autoNumber ?? false,
    byteLength,
    calculated,
    calculatedFormula: src.calculatedFormula ?? null,
    cascadeDelete: src.cascadeDelete ?? false,
    caseSensitive: src.caseSensitive ?? false,
    compoundFieldName: src.compoundFieldName ?? null,
    controllerName: src.controllerName ?? null,
    createable: src.createable ?? !(system || calculated || compoundish),
    custom: src.custom ?? name.endsWith('__c'),
    defaultValue: src.defaultValue ?? null,
    defaultValueFormula: src.defaultValueFormula ?? null,
    defaultedOnCreate:
      src.defaultedOnCreate ?? (system || type === 'boolean' || DEFAULTED_ON_CREATE.has(lower)),
    dependentPicklist: src.dependentPicklist ?? false,
    deprecatedAndHidden: src.deprecatedAndHidden ?? false,
    digits: src.digits ?? (type === 'int' ? 9 : 0),
    displayLocationInDecimal: src.displayLocationInDecimal ?? false,
    encrypted: src.encrypted ?? false,
    externalId: src.externalId ?? false,
    extraTypeInfo: src.extraTypeInfo ?? (type === 'textarea' ? 'plaintextarea' : null),
    filterable: src.filterable ?? !(type === 'textarea' || type === 'base64' || compoundish),
    filteredLookupInfo: src.filteredLookupInfo ?? null,
    formulaTreatNullNumberAsZero: src.formulaTreatNullNumberAsZero ?? false,
    groupable:
      src.groupable ??
      !(numberish || type === 'textarea' || type === 'datetime' || type === 'base64' || compoundish),
    highScaleNumber: src.highScaleNumber ?? false,
    htmlFormatted: src.htmlFormatted ?? false,
    idLookup: src.idLookup ?? type === 'id',
    inlineHelpText: src.inlineHelpText ?? null,
    label: src.label ?? name,
    length,
    mask: src.mask ?? null,
    maskType: src.maskType ?? null,
    name,
    nameField: src.nameField ?? (lower === 'name' || (lower === 'title' && !('name' in src))),
    namePointing: src.namePointing ?? false,
    nillable: src.nillable ?? !(system || type === 'boolean'),
    permissionable: src.permissionable ?? !(system || type === 'boolean' || src.nillable === false),
    picklistValues: src.picklistValues ?? [],
    polymorphicForeignKey:
      src.polymorphicForeignKey ?? (Array.isArray(src.referenceTo) && src.referenceTo.length > 1),
    precision: src.precision ?? (numberish ? 18 : 0),
    queryByDistance: src.queryByDistance ?? compoundish,
    referenceTargetField: src.referenceTargetField ?? null,
    referenceTo: src.referenceTo ?? [],
    relationshipName: src.relationshipName ?? null,
    relationshipOrder: src.relationshipOrder ?? null,
    restrictedDelete: src.restrictedDelete ?? false,
    restrictedPicklist: src.restrictedPicklist ?? false,
    scale: src.scale ?? (type === 'currency' ? 2 : 0),
    searchPrefilterable: src.searchPrefilterable ?? false,
    soapType: src.soapType ?? SOAP_TYPE_OF(type),
    sortable:
      src.sortable ?? !(type === 'textarea' || type === 'multipicklist' || type === 'base64' || compoundish),
    type,
    unique: src.unique ?? false,
    updateable: src.updateable ?? !(system || calculated || compoundish),
    writeRequiresMasterRead: src.writeRequiresMasterRead ?? false,
  };
  return entry;
}
