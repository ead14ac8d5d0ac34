/**
 * Apex syntax: every class of the package parses with @apexdevtools/apex-parser. The parser's
 * check() reports status 0 even when there are errors, so the errors list itself is asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apexClassFiles, syntaxErrors } from './support/apex-source.js';

describe('Apex syntax (apex-parser)', () => {
  test('the package has Apex classes to check', () => {
    assert.ok(
      apexClassFiles().length >= 10,
      `expected the package's classes, found ${apexClassFiles().length}`,
    );
  });

  for (const file of apexClassFiles()) {
    test(`${path.basename(file)} parses without errors`, () => {
      const errors = syntaxErrors(readFileSync(file, 'utf8'));
      assert.deepEqual(
        errors.map((e) => `${path.basename(file)}:${e.line}:${e.column} ${e.message}`),
        [],
      );
    });
  }

  test('a class with a syntax error is reported with its line', () => {
    const errors = syntaxErrors('public with sharing class Broken {\n    void run() { Integer x = ; }\n}');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 2);
  });

  test('an invalid string escape (a lexer error) is reported too', () => {
    const errors = syntaxErrors("public class Broken { String s = 'bad \\q escape'; }");
    assert.ok(errors.length > 0, 'lexer errors must not pass silently');
  });
});
