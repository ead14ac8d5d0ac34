/**
 * Every `lightning-*` element in the package's templates is given only attribute values the real base
 * component accepts (read from lightning-base-components' source): a value it does not accept falls
 * back to the default without a word — the dashboard's over-budget bar stayed blue that way, as
 * `<lightning-progress-bar variant="warning">`. Literal values are checked here, in every template;
 * values bound to component state are checked as rendered, after every component test
 * (lwcTestUtils.unmountAll).
 */
import fs from 'fs';
import path from 'path';
import { createElement } from 'lwc';
import { acceptedValues, checkValue, invalidBaseComponentValues } from './baseComponentAttributes';

const LWC_DIR = path.join(__dirname, '..', 'main', 'default', 'lwc');

function templates() {
  return fs
    .readdirSync(LWC_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== '__tests__')
    .flatMap((entry) =>
      fs
        .readdirSync(path.join(LWC_DIR, entry.name))
        .filter((file) => file.endsWith('.html'))
        .map((file) => path.join(entry.name, file)),
    );
}

/** The literal attributes of each `<lightning-…>` start tag: [{ tagName, property, value, line }]. */
function literalAttributes(file) {
  const source = fs.readFileSync(path.join(LWC_DIR, file), 'utf8');
  const found = [];
  for (const tag of source.matchAll(/<(lightning-[\w-]+)\b([^>]*)>/g)) {
    const line = source.slice(0, tag.index).split('\n').length;
    for (const attribute of tag[2].matchAll(/([\w-]+)="([^"]*)"/g)) {
      const property = attribute[1].replace(/-(\w)/g, (_, c) => c.toUpperCase());
      found.push({ tagName: tag[1], property, value: attribute[2], line });
    }
  }
  return found;
}

describe('base component attribute values', () => {
  it('reads the accepted values from the base components themselves', () => {
    expect(acceptedValues('lightning-progress-bar').variant).toEqual(['base', 'circular']);
    expect(acceptedValues('lightning-icon').size).toContain('xx-small');
    expect(acceptedValues('lightning-icon').variant).toEqual(
      expect.arrayContaining(['error', 'inverse', 'warning', 'success', 'bare']),
    );
    expect(acceptedValues('lightning-button').variant).toContain('brand');
  });

  it('flags a value the base component would ignore', () => {
    expect(checkValue('lightning-progress-bar', 'variant', 'warning', 'x.html:3')).toEqual([
      'x.html:3: <lightning-progress-bar> variant="warning" is not accepted (it accepts base, circular) and would fall back to its default',
    ]);
    expect(checkValue('lightning-progress-bar', 'variant', 'circular', 'x.html:3')).toEqual([]);
  });

  it('finds a rendered value the base component would ignore, inside shadow roots', () => {
    const element = createElement('lightning-progress-bar', {
      is: require('lightning/progressBar').default,
    });
    element.variant = 'warning';
    document.body.appendChild(element);
    try {
      expect(invalidBaseComponentValues(document.body)).toEqual([
        'rendered: <lightning-progress-bar> variant="warning" is not accepted (it accepts base, circular) and would fall back to its default',
      ]);
    } finally {
      document.body.removeChild(element);
    }
  });

  it('every literal value in the package templates is one the base component accepts', () => {
    const files = templates();
    expect(files.length).toBeGreaterThan(10);
    const enumerated = files.flatMap((file) =>
      literalAttributes(file)
        .filter(({ tagName, property }) => acceptedValues(tagName)[property])
        .map((attribute) => ({ ...attribute, file })),
    );
    // The templates do set enumerated attributes (spinner and icon sizes, button variants, …).
    expect(enumerated.length).toBeGreaterThan(5);
    const problems = enumerated.flatMap(({ tagName, property, value, line, file }) =>
      checkValue(tagName, property, value, `${file}:${line}`),
    );
    expect(problems).toEqual([]);
  });
});
