import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { IsBoolean, ValidateBy } from 'class-validator';
import { NAME_PATTERN, NameField, isVisibleText } from './dto-fields';
import { RequestValidationError, UserNotFoundError } from './errors/domain-errors';
import { IdShapePipe } from './id-param';
import { createValidationPipe, IsOneOf, OptionalNotNull } from './validation';

class NamedDto {
  @NameField({ max: 20 }) name: string;
}

class ChoiceDto {
  @IsOneOf(['de', 'en']) locale: string;
  @IsOneOf(['passwords:read', 'passwords:write'], { each: true }) scopes: string[];
}

class PatchDto {
  @OptionalNotNull() @IsOneOf(['admin', 'member']) role?: string;
  @OptionalNotNull() @IsBoolean() disabled?: boolean;
}

class ExplodingDto {
  @ValidateBy({ name: 'explodes', validator: { validate: () => { throw new TypeError('validator bug'); } } }) value: string;
}

describe('input fields (issue 8)', () => {
  const pipe = createValidationPipe();
  const body = (metatype: new () => unknown) => ({ type: 'body' as const, metatype, data: undefined });
  const issues = async (value: unknown, metatype: new () => unknown = NamedDto) => {
    try {
      await pipe.transform(value, body(metatype));
      return [];
    } catch (err) {
      return (err as RequestValidationError).issues;
    }
  };

  it.each([['empty', ''], ['blank', '   '], ['BOM only', '\ufeff'], ['zero-width', '\u200b\u200d'], ['NBSP', '\u00a0']])('a %s name is a size issue {min: 1}', async (_what, name) => {
    const found = await issues({ name });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'name', kind: 'size' });
  });

  it('a name with a control character is a format issue; visible names (with a BOM inside) pass', async () => {
    expect(await issues({ name: 'Acme\nCorp' })).toEqual([{ path: 'name', kind: 'format' }]);
    expect(await issues({ name: '\ufeffAcme' })).toEqual([]);
    expect(await issues({ name: 'Zoë Ōtsuka' })).toEqual([]);
    expect(isVisibleText(' a ')).toBe(true);
  });

  it('the OpenAPI document\'s pattern for names agrees with NameField on blank, invisible, control and visible names', async () => {
    const pattern = new RegExp(NAME_PATTERN, 'u');
    const samples = ['', '   ', '\ufeff', '\u200b\u200d', '\u00a0', '\u2028', 'Acme\nCorp', 'Acme\u0085', '\ufeffAcme', 'Zoë Ōtsuka', ' a ', '\u2028a', '株式会社'];
    for (const name of samples) expect([name, pattern.test(name)]).toEqual([name, (await issues({ name })).length === 0]);
  });

  it('a value outside a fixed list is a choice issue naming the allowed values (not "must be a enum"), per item with each', async () => {
    expect(await issues({ locale: 'de', scopes: ['passwords:read'] }, ChoiceDto)).toEqual([]);
    expect(await issues({ locale: 'xx', scopes: ['passwords:read', 'admin'] }, ChoiceDto)).toEqual([
      { path: 'locale', kind: 'choice', params: { allowed: 'de, en' } },
      { path: 'scopes', kind: 'choice', params: { allowed: 'passwords:read, passwords:write', each: 1 } },
    ]);
    expect(await issues({ locale: 7, scopes: ['passwords:read'] }, ChoiceDto)).toEqual([{ path: 'locale', kind: 'choice', params: { allowed: 'de, en' } }]);
  });

  it('an OptionalNotNull field may be left out, but a null sent for it is refused in the terms of its rules, not passed on as a value', async () => {
    expect(await issues({}, PatchDto)).toEqual([]);
    expect(await issues({ role: 'admin', disabled: false }, PatchDto)).toEqual([]);
    expect(await issues({ role: null, disabled: null }, PatchDto)).toEqual([
      { path: 'role', kind: 'choice', params: { allowed: 'admin, member' } },
      { path: 'disabled', kind: 'type', params: { expected: 'boolean' } },
    ]);
  });

  it('G2 a validator that throws is a 400 (kind invalid), never a 500, and is logged as a warning naming the error, not the value', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(pipe.transform({ value: 'secret-input-42' }, body(ExplodingDto))).rejects.toEqual(new RequestValidationError([{ path: 'body', kind: 'invalid' }]));
      expect(warn.mock.calls).toEqual([[{ err: { name: 'TypeError' } }, 'validator threw on body input']]);
      expect(JSON.stringify(warn.mock.calls)).not.toContain('secret-input-42');
    } finally {
      warn.mockRestore();
    }
  });

  it('a path id not shaped like a UUID is the route\'s not-found error, before any query', () => {
    const sut = new IdShapePipe(UserNotFoundError);
    expect(sut.transform('3f1c2a9e-5b7d-4c1e-9a8b-0d2e4f6a8b1c')).toBe('3f1c2a9e-5b7d-4c1e-9a8b-0d2e4f6a8b1c');
    for (const bad of ['nope', '\u0000', '3f1c2a9e-5b7d-4c1e-9a8b-0d2e4f6a8b1c\u0000', '', '110747174434373672']) {
      expect(() => sut.transform(bad)).toThrow(UserNotFoundError);
    }
  });
});
