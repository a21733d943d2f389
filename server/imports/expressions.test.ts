import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileMapping,
  ExpressionError,
  parseLength,
  parseSpeed,
} from './expressions';

describe('field mapping expressions', () => {
  it('converts feet to metres with arithmetic on a property', () => {
    expect(compileExpression('height_roof*0.3048')({ height_roof: 100 })).toBeCloseTo(30.48);
  });

  it('reads property names with colons, as OSM keys have', () => {
    expect(compileExpression('building:levels')({ 'building:levels': '7' })).toBe('7');
    expect(compileExpression('number(building:levels) * 3')({ 'building:levels': '7' })).toBe(21);
  });

  it('gives null for missing properties and arithmetic on them', () => {
    const e = compileExpression('a * 2 + 1');
    expect(e({})).toBeNull();
    expect(compileExpression('a ?? b ?? 5')({ b: 3 })).toBe(3);
    expect(compileExpression('coalesce(a, 5)')({})).toBe(5);
  });

  it('respects precedence, parentheses and unary minus', () => {
    expect(compileExpression('1 + 2 * 3')({})).toBe(7);
    expect(compileExpression('(1 + 2) * -3')({})).toBe(-9);
    expect(compileExpression('round(10 / 3, 2)')({})).toBe(3.33);
  });

  it('concatenates strings and quotes names with spaces', () => {
    expect(compileExpression(`"street name" + ' ' + no`)({ 'street name': 'Main', no: 5 })).toBe(
      'Main 5',
    );
  });

  it('parses lengths and speeds with units', () => {
    expect(parseLength('25 m')).toBe(25);
    expect(parseLength("10'")).toBeCloseTo(3.048);
    expect(parseLength('abc')).toBeNull();
    expect(parseSpeed('30 mph')).toBeCloseTo(48.28, 1);
    expect(parseSpeed('50')).toBe(50);
  });

  it('does not evaluate JavaScript: unknown functions and syntax are errors', () => {
    expect(() => compileExpression('constructor.constructor("return 1")()')).toThrow(
      ExpressionError,
    );
    expect(() => compileExpression('process.exit(1)')).toThrow(/unknown function/);
    expect(() => compileExpression('a; b')).toThrow(ExpressionError);
    expect(compileExpression('__proto__')({})).toBeNull();
    expect(compileExpression('toString')({})).toBeNull();
  });

  it('compiles field=expr pairs and rejects bad targets', () => {
    const m = compileMapping(['height_m=height_roof*0.3048', 'levels=building:levels']);
    expect([...m.keys()]).toEqual(['height_m', 'levels']);
    expect(() => compileMapping(['Height=1'])).toThrow(/lower-case/);
    expect(() => compileMapping(['x'])).toThrow(/field=expression/);
    expect(() => compileMapping(['x=1 +'])).toThrow(/mapping x/);
  });
});
