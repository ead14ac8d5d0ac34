/**
 * Which objects Auto Backup can back up, and how. Decided from what Salesforce's describe says
 * (queryable, replicateable, the timestamp fields) plus a short deny-list of objects whose describe
 * looks fine but which Salesforce refuses to list in full; every refusal carries a reason users can read.
 * Sources: Salesforce REST API developer guide (describeGlobal / describe flags) and the query
 * restrictions Salesforce returns for these objects (each object's page in the Object Reference, e.g.
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm,
 * and the MALFORMED_QUERY / INVALID_TYPE_FOR_OPERATION errors in https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 */

/** The describeGlobal fields this decision reads. */
export interface GlobalObjectInfo {
  name: string;
  queryable: boolean;
  replicateable: boolean;
  retrieveable?: boolean;
  deprecatedAndHidden?: boolean;
}

/** The describe facts this decision reads: the names of the fields the integration user can see. */
export interface ObjectFieldsInfo {
  fieldNames: ReadonlySet<string>;
}

export type ObjectSupport =
  | {
      supported: true;
      /** The cursor field: SystemModstamp, or CreatedDate for immutable objects such as field history. */
      cursorField: 'SystemModstamp' | 'CreatedDate';
      /** How rows are listed: a plain query, or Id batches of a parent because Salesforce demands an Id filter. */
      access: { kind: 'query' } | { kind: 'parent-id-batches'; parentObject: string; parentField: string };
      /** How deletes are found: getDeleted (replicateable objects) or a periodic Id reconciliation. */
      deletes: 'get-deleted' | 'id-reconciliation';
      /** False for objects Bulk API 2.0 refuses; they are always read through REST query. */
      bulk: boolean;
    }
  | { supported: false; reason: string };

/** Whether an object's rows can be read through Bulk API 2.0 (from the support decision a registry row holds). */
export function readableByBulk(supportDetail: unknown): boolean {
  const support = supportDetail as ObjectSupport | null | undefined;
  return support?.supported === true && support.bulk;
}

/** Objects read through Id batches of a parent instead of being dropped. */
const READ_THROUGH_PARENT: Record<string, { parentObject: string; parentField: string }> = {
  ContentDocumentLink: { parentObject: 'ContentDocument', parentField: 'ContentDocumentId' },
};

/** Objects Salesforce will not list in full, with the reason shown in the Excluded objects list. */
const DENIED: Record<string, string> = {
  ContentFolderItem: 'Salesforce only returns folder items filtered by a folder or item Id',
  ContentFolderMember: 'Salesforce only returns folder members filtered by a single folder or record Id',
  IdeaComment: 'Salesforce only returns idea comments filtered by a single community, idea or comment Id',
  Vote: 'Salesforce only returns votes filtered by a parent or vote Id',
  EntityParticle:
    'a view of field metadata that Salesforce only answers with an entity filter; field metadata is backed up from describes',
  FieldDefinition:
    'a view of field metadata that Salesforce only answers with an entity filter; field metadata is backed up from describes',
  OwnerChangeOptionInfo: 'a metadata view that Salesforce only answers with an entity filter',
  PicklistValueInfo:
    'a metadata view that Salesforce only answers with a field filter; picklist values are backed up from describes',
  RelationshipDomain: 'a metadata view that Salesforce only answers with a relationship filter',
  RelationshipInfo: 'a metadata view that Salesforce only answers with a relationship filter',
  SearchLayout: 'a metadata view that Salesforce only answers with an entity filter',
  SiteDetail: 'a metadata view that Salesforce only answers with a DurableId filter',
  UserEntityAccess: 'computed access rights, not stored data; Salesforce needs a user filter',
  UserFieldAccess: 'computed access rights, not stored data; Salesforce needs a DurableId filter',
  UserRecordAccess: 'computed record access, not stored data; Salesforce needs a user and record filter',
  DataStatistics: 'usage statistics Salesforce only returns filtered by statistic type',
  FlexQueueItem: 'the Apex flex queue, which Salesforce only returns filtered by job type',
  DatacloudDandBCompany: 'Data.com data that Salesforce does not list without search criteria',
  DatacloudAddress: 'Data.com data that is not stored in the org',
  DatacloudCompany: 'Data.com data that is not stored in the org',
  DatacloudContact: 'Data.com data that is not stored in the org',
  ListViewChartInstance: 'rendered list view charts, computed on request',
  PlatformAction: 'the actions available in the user interface, computed on request',
  OutgoingEmail: 'outgoing email queued for sending, not queryable in full',
  OutgoingEmailRelation: 'outgoing email queued for sending, not queryable in full',
};

/**
 * Objects Bulk API 2.0 does not support (an org answers `Entity 'X' is not supported by the Bulk API`); they are
 * read through REST query instead. Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query":
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
 */
const NOT_IN_BULK = new Set([
  'Attachment',
  'CaseStatus',
  'ContractStatus',
  'DeclinedEventRelation',
  'FieldSecurityClassification',
  'LeadStatus',
  'OpportunityStage',
  'PartnerRole',
  'RecentlyViewed',
  'ServiceAppointmentStatus',
  'ShiftStatus',
  'SolutionStatus',
  'TaskPriority',
  'TaskStatus',
  'UndecidedEventRelation',
  'WorkOrderLineItemStatus',
  'WorkOrderStatus',
  'ContentDocumentLink',
]);

function suffixReason(name: string): string | undefined {
  if (name.endsWith('ChangeEvent')) return 'a Change Data Capture event stream, not stored records';
  if (name.endsWith('__e')) return 'a platform event: messages in flight, not stored records';
  if (name.endsWith('__x')) return 'an external object: its data lives outside Salesforce';
  if (name.endsWith('__b'))
    return 'a big object: Salesforce only queries it by its index, without SystemModstamp';
  if (name.endsWith('__mdt')) return 'a custom metadata type: metadata that ships with deployments, not data';
  return undefined;
}

/**
 * Decides support for one object. `fields` may be omitted when only the describeGlobal entry is known
 * (then the timestamp check waits for the describe).
 */
export function decideObjectSupport(info: GlobalObjectInfo, fields?: ObjectFieldsInfo): ObjectSupport {
  const { name } = info;
  // The most specific reason first: what the object is says more than a flag does.
  const bySuffix = suffixReason(name);
  if (bySuffix) return { supported: false, reason: bySuffix };
  const denied = DENIED[name];
  if (denied) return { supported: false, reason: denied };
  if (!info.queryable)
    return { supported: false, reason: 'Salesforce does not allow queries on this object' };
  if (info.deprecatedAndHidden) return { supported: false, reason: 'deprecated and hidden by Salesforce' };

  let cursorField: 'SystemModstamp' | 'CreatedDate' = 'SystemModstamp';
  if (fields) {
    if (fields.fieldNames.has('SystemModstamp')) cursorField = 'SystemModstamp';
    else if (fields.fieldNames.has('CreatedDate')) cursorField = 'CreatedDate';
    else
      return {
        supported: false,
        reason: 'has neither SystemModstamp nor CreatedDate, so changes cannot be found incrementally',
      };
    if (!fields.fieldNames.has('Id'))
      return { supported: false, reason: 'has no Id field, so versions cannot be told apart' };
  }
  const parent = READ_THROUGH_PARENT[name];
  return {
    supported: true,
    cursorField,
    access: parent ? { kind: 'parent-id-batches', ...parent } : { kind: 'query' },
    deletes: info.replicateable ? 'get-deleted' : 'id-reconciliation',
    bulk: !NOT_IN_BULK.has(name),
  };
}

/** The deny-list as shown in documentation: object → reason. */
export function deniedObjects(): Readonly<Record<string, string>> {
  return DENIED;
}
