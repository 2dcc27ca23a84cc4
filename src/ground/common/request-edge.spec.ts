import { BODY_MAX_DEPTH, edgeError, inspectValue, isCleanPath, isCleanText } from './request-edge';
import { MalformedBodyError, RequestValidationError } from './errors/domain-errors';

const nestArrays = (levels: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};

describe('request edge (issue 8: malformed input never reaches a library)', () => {
  it('G3 clean text is well-formed UTF-16 without NUL; paired surrogates (emoji) are fine', () => {
    expect(isCleanText('Zoë 🙂')).toBe(true);
    expect(isCleanText('\ud800')).toBe(false);
    expect(isCleanText('a\udc00b')).toBe(false);
    expect(isCleanText('a\u0000b')).toBe(false);
  });

  it('G1 depth: the body object is level 1; 32 levels pass, 33 are refused, 100,000 levels neither recurse nor throw', () => {
    expect(inspectValue({ a: nestArrays(BODY_MAX_DEPTH - 1) })).toBeUndefined();
    expect(inspectValue({ a: nestArrays(BODY_MAX_DEPTH) })).toEqual({ kind: 'depth', path: 'a' + '.0'.repeat(BODY_MAX_DEPTH - 1) });
    expect(inspectValue({ a: nestArrays(100_000) })?.kind).toBe('depth');
  });

  it('G3 reports the dotted path of an ill-formed or NUL string, in values and in keys', () => {
    expect(inspectValue({ owner: { email: '\ud800' } })).toEqual({ kind: 'text', path: 'owner.email', reason: 'ill-formed' });
    expect(inspectValue({ list: ['ok', 'a\u0000'] })).toEqual({ kind: 'text', path: 'list.1', reason: 'nul' });
    expect(inspectValue({ ['\udfff']: 1 })).toEqual({ kind: 'text', path: '\udfff', reason: 'ill-formed' });
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', '__lookupGetter__'])('G4 an Object.prototype name as a key (%s) is an unknown field', (name) => {
    const body = JSON.parse(`{"password":{"value":"x",${JSON.stringify(name)}:1}}`);
    const problem = inspectValue(body);
    expect(problem).toEqual({ kind: 'prototype-key', path: `password.${name}` });
    expect(edgeError(problem!)).toEqual(new RequestValidationError([{ path: `password.${name}`, kind: 'unknown' }]));
  });

  it('maps depth to MalformedBodyError("depth") in a body and to a field issue in a query', () => {
    expect(edgeError({ kind: 'depth', path: 'a' })).toEqual(new MalformedBodyError('depth'));
    expect(edgeError({ kind: 'depth', path: 'a' }, true)).toBeInstanceOf(RequestValidationError);
  });

  it('G3 path segments: %00, an encoded surrogate and broken escapes are refused; UUIDs and plain escapes pass', () => {
    expect(isCleanPath('/users/3f1c2a9e-5b7d-4c1e-9a8b-0d2e4f6a8b1c')).toBe(true);
    expect(isCleanPath('/users/caf%C3%A9')).toBe(true);
    expect(isCleanPath('/users/%00')).toBe(false);
    expect(isCleanPath('/v1/password/%ED%A0%80')).toBe(false);
    expect(isCleanPath('/users/%E0%A4%A')).toBe(false);
  });

  it('non-objects and scalars are fine; a bare string body is checked too', () => {
    expect(inspectValue(undefined)).toBeUndefined();
    expect(inspectValue(42)).toBeUndefined();
    expect(inspectValue('\ud800')).toEqual({ kind: 'text', path: '', reason: 'ill-formed' });
  });
});
