import { InternalError, MalformedBodyError, PayloadTooLargeError, RateLimitedError, RequestValidationError, StorageUnavailableError } from '../../ground/common/errors/domain-errors';
import { OAuthError } from '../../features/oauth/oauth-error';
import { OAuthPresenter } from './oauth.presenter';

describe('OAuthPresenter (RFC 6749 §5.2)', () => {
  const present = new OAuthPresenter().present.bind(new OAuthPresenter());

  it('answers each OAuth error with its status and {"error","error_description"}, never cacheable', () => {
    const cases: Array<[OAuthError['error'], number]> = [['invalid_request', 400], ['invalid_client', 401], ['invalid_scope', 400], ['unsupported_grant_type', 400]];
    for (const [code, status] of cases) {
      const res = present(new OAuthError(code, 'why'));
      expect(res).toMatchObject({ status, body: { error: code, error_description: 'why' } });
      expect(res.headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    }
  });

  it('adds WWW-Authenticate: Basic to invalid_client only when the client used Basic', () => {
    expect(present(new OAuthError('invalid_client', 'x', true)).headers?.['WWW-Authenticate']).toMatch(/^Basic realm="[^"]+"/);
    expect(present(new OAuthError('invalid_client', 'x', false)).headers?.['WWW-Authenticate']).toBeUndefined();
    expect(present(new OAuthError('invalid_scope', 'x', true)).headers?.['WWW-Authenticate']).toBeUndefined();
  });

  it('words failures raised before the handler as invalid_request, limits as 429 with Retry-After, its own troubles without detail', () => {
    expect(present(new MalformedBodyError('content-type'))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(present(new RequestValidationError([{ path: 'x', kind: 'invalid' }]))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(present(new PayloadTooLargeError())).toMatchObject({ status: 413, body: { error: 'invalid_request' } });
    expect(present(new RateLimitedError(42))).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' }, headers: { 'Retry-After': '42' } });
    expect(present(new StorageUnavailableError())).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(present(new StorageUnavailableError()).body).toEqual({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable.' });
    expect(present(new InternalError('boom at /srv/app.js:1'))).toMatchObject({ status: 500 });
    expect(present(new InternalError('boom at /srv/app.js:1')).body).toEqual({ error: 'server_error' });
  });
});
