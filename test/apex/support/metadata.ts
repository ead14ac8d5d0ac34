/**
 * The package's metadata XML read with fast-xml-parser into plain objects, one index per metadata
 * type, so tests can check that components reference each other consistently.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PACKAGE_DIR } from './apex-source.js';

export const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';
export const SOURCE_DIR = path.join(PACKAGE_DIR, 'main/default');

/** Elements that may repeat in the metadata we read; always parsed as arrays. */
const REPEATING = new Set([
  'applicationVisibilities',
  'classAccesses',
  'customPermissions',
  'externalCredentialPrincipalAccesses',
  'externalCredentialParameters',
  'flexiPageRegions',
  'itemInstances',
  'namedCredentialParameters',
  'tabSettings',
  'tabs',
  'target',
  'targetConfig',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => REPEATING.has(name),
});

export type XmlNode = Record<string, unknown>;

export interface MetadataFile {
  file: string;
  /** Root element name, e.g. PermissionSet. */
  type: string;
  /** The root element's content. */
  root: XmlNode;
}

/** Every *-meta.xml file under force-app/main/default, sorted. */
export function metadataFiles(dir = SOURCE_DIR): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== '__tests__') files.push(...metadataFiles(full));
    } else if (name.endsWith('-meta.xml')) {
      files.push(full);
    }
  }
  return files.sort();
}

/** Validates and parses one metadata file; throws with the file and the parser's reason when invalid. */
export function readMetadata(file: string): MetadataFile {
  const xml = readFileSync(file, 'utf8');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new Error(`${path.relative(SOURCE_DIR, file)}: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const document = parser.parse(xml) as XmlNode;
  const roots = Object.keys(document).filter((key) => key !== '?xml');
  if (roots.length !== 1) throw new Error(`${file}: expected one root element, found ${roots.join(', ')}`);
  const type = roots[0] as string;
  return { file, type, root: (document[type] ?? {}) as XmlNode };
}

/** Name of a metadata component from its file: `Auto_Backup.tab-meta.xml` → `Auto_Backup`. */
export function componentName(file: string): string {
  return path.basename(file).replace(/\.[^.]+-meta\.xml$/, '');
}

/** The parsed files of one source folder (e.g. `permissionsets`), keyed by component name. */
export function componentsIn(folder: string): Map<string, MetadataFile> {
  const dir = path.join(SOURCE_DIR, folder);
  const result = new Map<string, MetadataFile>();
  if (!existsSync(dir)) return result;
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('-meta.xml')) {
      const file = path.join(dir, name);
      result.set(componentName(file), readMetadata(file));
    }
  }
  return result;
}

/** A child element as an array (absent → []). */
export function list(node: unknown, key: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as XmlNode)[key];
  if (value === undefined || value === '') return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** A child element's text (absent → undefined). */
export function text(node: unknown, key: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[key];
  return typeof value === 'string' ? value : undefined;
}

export interface LwcBundle {
  name: string;
  isExposed: boolean;
  targets: string[];
  /** JavaScript files of the bundle (not its jest tests). */
  jsFiles: string[];
}

/** Every LWC bundle with its exposure and targets from its js-meta.xml. */
export function lwcBundles(): Map<string, LwcBundle> {
  const dir = path.join(SOURCE_DIR, 'lwc');
  const bundles = new Map<string, LwcBundle>();
  if (!existsSync(dir)) return bundles;
  for (const name of readdirSync(dir).sort()) {
    const metaFile = path.join(dir, name, `${name}.js-meta.xml`);
    if (!existsSync(metaFile)) continue;
    const meta = readMetadata(metaFile).root;
    bundles.set(name, {
      name,
      isExposed: text(meta, 'isExposed') === 'true',
      targets: list(meta.targets, 'target').map(String),
      jsFiles: readdirSync(path.join(dir, name))
        .filter((f) => f.endsWith('.js'))
        .map((f) => path.join(dir, name, f)),
    });
  }
  return bundles;
}
