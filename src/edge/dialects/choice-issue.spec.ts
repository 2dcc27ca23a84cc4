import { FieldIssue, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { D1Presenter } from './d1.presenter';
import { D2Presenter } from './d2.presenter';
import { D3Presenter } from './d3.presenter';
import { D4Presenter } from './d4.presenter';
import { D5Presenter } from './d5.presenter';
import { ServicePresenter } from './service.presenter';

/** A value outside a fixed list (an @IsOneOf field: locale, role, scopes, …) as each dialect words it. */
describe('a choice issue in every dialect', () => {
  const locale: FieldIssue = { path: 'locale', kind: 'choice', params: { allowed: 'de, en, fr' } };
  const scopes: FieldIssue = { path: 'scopes', kind: 'choice', params: { allowed: 'passwords:read, passwords:write', each: 1 } };
  const text = (presenter: { present(e: RequestValidationError): { status: number; body: unknown } }, issue: FieldIssue) => {
    const { status, body } = presenter.present(new RequestValidationError([issue]));
    expect(status).toBe(400);
    return JSON.stringify(body);
  };

  it.each([
    ['D1', new D1Presenter(), 'The locale field must be one of: de, en, fr.'],
    ['D2', new D2Presenter(), 'Locale must be one of: de, en, fr'],
    ['D5', new D5Presenter(), 'locale must be one of: de, en, fr'],
    ['service', new ServicePresenter(), 'locale must be one of: de, en, fr.'],
  ] as const)('%s names the allowed values, never a type ("must be a enum")', (_dialect, presenter, sentence) => {
    const body = text(presenter, locale);
    expect(body).toContain(sentence);
    expect(body).not.toMatch(/enum/);
  });

  it('an array held to the list says what it may contain', () => {
    expect(text(new ServicePresenter(), scopes)).toContain('scopes may only contain: passwords:read, passwords:write.');
    expect(text(new D1Presenter(), scopes)).toContain('The scopes field may only contain: passwords:read, passwords:write.');
  });

  it('D3 answers the seed\'s IN error with the allowed values as its params', () => {
    expect(JSON.parse(text(new D3Presenter(), locale)).syntaxErrors.invalidFields).toEqual([{ fieldName: 'locale', error: 'IN', params: ['de', 'en', 'fr'] }]);
  });

  it('D4 answers in Django\'s voice without echoing the input', () => {
    expect(text(new D4Presenter(), locale)).toContain('Select a valid choice.');
  });

  it('without the list (a plain IsIn), every dialect still says the value is not allowed rather than naming a type', () => {
    const bare: FieldIssue = { path: 'locale', kind: 'choice' };
    expect(text(new ServicePresenter(), bare)).toContain('locale is not one of the allowed values.');
    expect(text(new D5Presenter(), bare)).toContain('locale is not one of the allowed values');
  });
});
