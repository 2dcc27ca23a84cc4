import { D1Presenter } from './d1.presenter';
import { D2Presenter } from './d2.presenter';
import { D3Presenter } from './d3.presenter';
import { D4Presenter } from './d4.presenter';
import { D5Presenter } from './d5.presenter';
import type { DialectPresenter } from './presenter';
import { ServicePresenter } from './service.presenter';

export type DialectId = 'D1' | 'D2' | 'D3' | 'D4' | 'D5' | 'service';

/**
 * Which envelope answers a request, decided from its path alone, so that failures raised before a
 * route is resolved (malformed JSON, oversized bodies, unknown sub-paths) still come back in the
 * dialect the client speaks. This table is the one place that knows the dialects' URL spaces.
 */
const ROUTES: Array<[RegExp, DialectId]> = [
  [/^\/accounts\/set-password\/?$/, 'D1'],
  [/^\/auth\/(setpassword|signup|verify-email)\/?$/, 'D2'],
  [/^\/v1\/password(\/|$)/, 'D3'],
  [/^\/api\/v2\/account(\/|$)/, 'D4'],
  [/^\/v1\/auth\/password-reset(\/|$)/, 'D5'],
];

export function dialectForPath(path: string): DialectId {
  const clean = path.split('?')[0];
  return ROUTES.find(([re]) => re.test(clean))?.[1] ?? 'service';
}

const PRESENTERS: Record<DialectId, DialectPresenter> = {
  D1: new D1Presenter(),
  D2: new D2Presenter(),
  D3: new D3Presenter(),
  D4: new D4Presenter(),
  D5: new D5Presenter(),
  service: new ServicePresenter(),
};

export function presenterFor(id: DialectId): DialectPresenter {
  return PRESENTERS[id];
}
