import { dialectForPath } from './dialect-registry';

describe('dialectForPath', () => {
  it('names each dialect by its URL space', () => {
    expect(dialectForPath('/accounts/set-password')).toBe('D1');
    expect(dialectForPath('/auth/setpassword')).toBe('D2');
    expect(dialectForPath('/v1/password/0b6c3f0e-6a57-4c44-9a3e-0f5d1d7e2a11')).toBe('D3');
    expect(dialectForPath('/api/v2/account/reset/')).toBe('D4');
    expect(dialectForPath('/v1/auth/password-reset/reset?x=1')).toBe('D5');
    expect(dialectForPath('/oauth/token')).toBe('oauth');
    expect(dialectForPath('/accounts')).toBe('service');
  });

  it('ignores case and repeated slashes like Express routing does, so a route reached that way answers in its own envelope', () => {
    expect(dialectForPath('/Accounts/Set-Password')).toBe('D1');
    expect(dialectForPath('/Auth/SetPassword')).toBe('D2');
    expect(dialectForPath('/V1/PASSWORD/x')).toBe('D3');
    expect(dialectForPath('//v1/password/x')).toBe('D3');
    expect(dialectForPath('/API/V2/ACCOUNT/RESET/')).toBe('D4');
    expect(dialectForPath('/V1/AUTH/PASSWORD-RESET/RESET')).toBe('D5');
    expect(dialectForPath('//OAuth/Token/')).toBe('oauth');
  });
});
