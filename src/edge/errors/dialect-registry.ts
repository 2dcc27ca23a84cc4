import { D1Presenter } from '../dialects/d1.presenter';
import { D2Presenter } from '../dialects/d2.presenter';
import { D3Presenter } from '../dialects/d3.presenter';
import { D4Presenter } from '../dialects/d4.presenter';
import { D5Presenter } from '../dialects/d5.presenter';
import { OAuthPresenter } from '../dialects/oauth.presenter';
import type { DialectPresenter } from '../dialects/presenter';
import { ServicePresenter } from '../dialects/service.presenter';
import { PagePresenter } from '../pages/page.presenter';

export type DialectId = 'D1' | 'D2' | 'D3' | 'D4' | 'D5' | 'page' | 'oauth' | 'service';

/**
 * Which envelope answers a request, decided from its path alone, so that failures raised before a
 * route is resolved (malformed JSON, oversized bodies, unknown sub-paths) still come back in the
 * dialect the client speaks. This table is the one place that knows the dialects' URL spaces.
 */
const ROUTES: Array<[RegExp, DialectId]> = [
  [/^\/accounts\/set-password\/?$/i, 'D1'],
  [/^\/auth\/(setpassword|signup|verify-email)\/?$/i, 'D2'],
  [/^\/v1\/password(\/|$)/i, 'D3'],
  [/^\/api\/v2\/account(\/|$)/i, 'D4'],
  [/^\/v1\/auth\/password-reset(\/|$)/i, 'D5'],
  // The OAuth token endpoint (src/features/oauth): RFC 6749 §5.2 errors.
  [/^\/oauth\/token\/?$/i, 'oauth'],
  // The pages behind the email links (src/edge/pages): failures there are pages too.
  [/^\/(set-password|verify-email|password-reset|forgot-password|account\/reset|account\/recover)\/?$/i, 'page'],
];

/**
 * Express routes ignore case (its default), so the table does too, and repeated slashes count as
 * one: `/V1/PASSWORD/x` reaches the D3 handler and must be answered in D3's envelope.
 */
export function dialectForPath(path: string): DialectId {
  const clean = path.split('?')[0].replace(/\/{2,}/g, '/');
  return ROUTES.find(([re]) => re.test(clean))?.[1] ?? 'service';
}

const PRESENTERS: Record<DialectId, DialectPresenter> = {
  D1: new D1Presenter(),
  D2: new D2Presenter(),
  D3: new D3Presenter(),
  D4: new D4Presenter(),
  D5: new D5Presenter(),
  page: new PagePresenter(),
  oauth: new OAuthPresenter(),
  service: new ServicePresenter(),
};

export function presenterFor(id: DialectId): DialectPresenter {
  return PRESENTERS[id];
}
