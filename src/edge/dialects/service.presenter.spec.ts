import { UnauthenticatedError } from '../../ground/common/errors/domain-errors';
import { SERVICE_EXAMPLES } from '../../ground/common/openapi/service-error.dto';
import { ServicePresenter } from './service.presenter';

describe('ServicePresenter: UNAUTHENTICATED', () => {
  const presenter = new ServicePresenter();

  it('on a route that takes any credential, asks for an X-Api-Key or a bearer token (as documented)', () => {
    const { status, body } = presenter.present(new UnauthenticatedError());
    expect(status).toBe(401);
    expect(body).toEqual(SERVICE_EXAMPLES.unauthenticated);
  });

  it("on a route only a signed-in user calls, asks for a user's access token and says an API key is none (as documented)", () => {
    const { status, body } = presenter.present(new UnauthenticatedError('user-token'));
    expect(status).toBe(401);
    expect(body).toEqual(SERVICE_EXAMPLES.userTokenRequired);
    expect((body as { message: string }).message).not.toMatch(/X-Api-Key/);
  });
});
