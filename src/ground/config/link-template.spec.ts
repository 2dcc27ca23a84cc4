import { fillLinkTemplate, isLinkTemplate, isSignInUrl, LINK_TEMPLATE_MAX_LENGTH, LINK_TEMPLATE_PATTERN } from './link-template';

const ACCEPTED = [
  'https://app.example.com/set-password#token={code}',
  'http://localhost:3000/reset?code={code}',
  'https://app.example.com/{code}',
  'HTTPS://App.Example.com:8443/x#{code}',
];

describe('link templates', () => {
  it.each(ACCEPTED)('accepts %s', (t) => expect(isLinkTemplate(t)).toBe(true));

  const refused: Array<[string, unknown]> = [
    ['no placeholder', 'https://app.example.com/'],
    ['two placeholders', 'https://app.example.com/{code}?again={code}'],
    ['relative', '/reset#{code}'],
    ['no scheme', 'app.example.com/{code}'],
    ['another scheme', 'mailto:x@example.com?body={code}'],
    ['in the host', 'https://{code}.example.com/'],
    ['in the user info', 'https://{code}@example.com/'],
    ['white space', 'https://app.example.com/ {code}'],
    ['a line break', 'https://app.example.com/\n{code}'],
    ['too long', `https://app.example.com/${'a'.repeat(2048)}{code}`],
    ['markup after the code', 'https://acme.example.com/r#c={code}"><script>alert(1)</script>'],
    ['a backslash', 'https://acme.example.com\\r#c={code}'],
    ['credentials in every mailed link', 'https://user:pw@acme.example.com/r#c={code}'],
    ['not a string', 42],
    ['null', null],
  ];
  it.each(refused)('refuses %s', (_why, t) => expect(isLinkTemplate(t)).toBe(false));

  it('the OpenAPI document\'s pattern (with maxLength) agrees with the validator on every sample above', () => {
    // As ajv and Swagger UI compile it: ECMA-262, with the u flag (ajv's default).
    const pattern = new RegExp(LINK_TEMPLATE_PATTERN, 'u');
    const samples = [...ACCEPTED, ...refused.map(([, t]) => t)].filter((t): t is string => typeof t === 'string');
    for (const t of samples) expect([t, pattern.test(t) && t.length <= LINK_TEMPLATE_MAX_LENGTH]).toEqual([t, isLinkTemplate(t)]);
  });

  it('puts the URL-encoded secret in place of {code}', () => {
    expect(fillLinkTemplate('https://a.example/x#c={code}', 'ab/c+d=$&')).toBe('https://a.example/x#c=ab%2Fc%2Bd%3D%24%26');
  });
});

describe('sign-in addresses (SIGN_IN_URL, links.sign_in)', () => {
  it.each(['https://app.example.com/sign-in', 'http://localhost:3000/login?next=%2Fhome', 'https://app.example.com/#/login'])('accepts %s', (u) => expect(isSignInUrl(u)).toBe(true));

  it.each([
    ['a {code} placeholder (nothing to fill in)', 'https://app.example.com/sign-in#{code}'],
    ['relative', '/sign-in'],
    ['another scheme', 'javascript:alert(1)'],
    ['credentials', 'https://user:pw@app.example.com/sign-in'],
    ['white space', 'https://app.example.com/sign in'],
    ['markup', 'https://app.example.com/"><script>'],
    ['too long', `https://app.example.com/${'a'.repeat(2048)}`],
    ['not a string', 42],
  ])('refuses %s', (_why, u) => expect(isSignInUrl(u)).toBe(false));
});
