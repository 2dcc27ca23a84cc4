import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiExtraModels, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../../access/decorators/auth.decorators';
import { ClientIp } from '../../ground/common/client-ip';
import { DomainError, PasswordPolicyError } from '../../ground/common/errors/domain-errors';
import { negotiateLocale } from '../../ground/common/locale';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { Messages, messagesFor } from '../../core/messages/messages';
import { CodePageForm, EmailPageForm, InvitationPageForm, SecretPageForm, ValidationCodePageForm } from './dto/page-forms.dto';
import { FLOWS, FlowSpec, pageOptions, RequestFlow, SecretFlow } from './page-flows';
import { PAGE_HEADERS } from './page-headers';
import { FormProblems, PageResponse, PageViews, violationMessage } from './page-views';
import { SecretContext, SecretPagesService } from './secret-pages.service';
import { API_TAGS } from '../../ground/common/openapi/tags';

const HTML = { 'text/html': { schema: { type: 'string' } } };
/** OpenAPI for a page: HTML in, HTML out, no credentials. */
function PageDoc(summary: string, description: string, form = true): MethodDecorator {
  return (target, key, descriptor) => {
    ApiOperation({ summary, description, security: [] })(target, key, descriptor);
    ApiProduces('text/html')(target, key, descriptor);
    if (form) ApiConsumes('application/x-www-form-urlencoded')(target, key, descriptor);
    ApiResponse({ status: 200, description: 'The page.', content: HTML })(target, key, descriptor);
    ApiResponse({ status: 400, description: 'The page again, with each refusal beside its field; or "this link has expired or was already used".', content: HTML })(target, key, descriptor);
    // Only the forms are limited: opening a page (GET, HEAD) skips the request limit.
    if (form) ApiResponse({ status: 429, description: 'Too many attempts: a page saying when to try again (Retry-After).', content: HTML })(target, key, descriptor);
  };
}

/**
 * The pages a person reaches from an email (CONTRACT.md "Pages behind the email links"). `GET` (and so
 * `HEAD`) only renders: the secret is in the link's fragment, which browsers never send, so opening a
 * link, a mail scanner or a link preview can neither use it up nor log it. The page's script reads the
 * fragment, removes it from the address bar, and posts the secret (`step=open`) to show the account and
 * its rules; the person's submit (`step=set`) runs the dialect's pipeline. Without script, the person
 * types the code from the email into the same form.
 */
@ApiTags(API_TAGS.pages.name)
@ApiExtraModels(InvitationPageForm, CodePageForm, ValidationCodePageForm, EmailPageForm)
@Public()
@Controller()
export class PagesController {
  private readonly views: PageViews;

  constructor(@Inject(APP_CONFIG) config: AppConfig, private readonly pages: SecretPagesService) {
    this.views = new PageViews(new URL(config.publicUrl).pathname.replace(/\/+$/, ''), pageOptions(config));
  }

  @SkipThrottle()
  @Get('set-password')
  @PageDoc('Page: choose a password from an invitation (D1)', 'Opened from the invitation email (`#token=` in the fragment).', false)
  invitationPage(@Req() req: Request, @Res() res: Response): void {
    this.codePage(FLOWS.invitation, req, res);
  }

  @Post('set-password')
  @HttpCode(200)
  @PageDoc('Page: show the invitation, or set the first password with it (D1)', '`step=open` shows the account and its rules; `step=set` sets the password through D1.')
  invitationSubmit(@Body() form: InvitationPageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.secretPost(FLOWS.invitation, form.token, form, ip, req, res);
  }

  @SkipThrottle()
  @Get('verify-email')
  @PageDoc('Page: verify an email address and choose a password (sign-up code, then D2)', 'Opened from the verification email (`#code=`).', false)
  verificationPage(@Req() req: Request, @Res() res: Response): void {
    this.codePage(FLOWS.verification, req, res);
  }

  @Post('verify-email')
  @HttpCode(200)
  @PageDoc('Page: show the sign-up, or verify it and set the first password (D2)', 'The code is spent only once the password passes the policy.')
  verificationSubmit(@Body() form: CodePageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.secretPost(FLOWS.verification, form.code, form, ip, req, res);
  }

  @SkipThrottle()
  @Get('password-reset')
  @PageDoc('Page: reset a password with a reset code (D5)', 'Opened from the reset email (`#code=`).', false)
  resetPage(@Req() req: Request, @Res() res: Response): void {
    this.codePage(FLOWS.reset, req, res);
  }

  @Post('password-reset')
  @HttpCode(200)
  @PageDoc('Page: show the reset, or reset the password with the code (D5)', 'Looking a code up counts against the same budgets as a D5 reset.')
  resetSubmit(@Body() form: CodePageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.secretPost(FLOWS.reset, form.code, form, ip, req, res);
  }

  @SkipThrottle()
  @Get('account/reset')
  @PageDoc('Page: reset a password with a validation code (D4)', 'Opened from the recovery email (`#validation_code=`).', false)
  recoveryPage(@Req() req: Request, @Res() res: Response): void {
    this.codePage(FLOWS.recovery, req, res);
  }

  @Post('account/reset')
  @HttpCode(200)
  @PageDoc('Page: show the recovery, or reset the password with the validation code (D4)', 'Looking a code up counts against the same budgets as a D4 reset.')
  recoverySubmit(@Body() form: ValidationCodePageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.secretPost(FLOWS.recovery, form.validation_code, form, ip, req, res);
  }

  @SkipThrottle()
  @Get('forgot-password')
  @PageDoc('Page: forgot password (asks for a D5 reset email)', 'The form that sends a reset code.', false)
  forgotPage(@Req() req: Request, @Res() res: Response): void {
    this.send(res, this.views.requestForm('forgot', this.readerOf(req)));
  }

  @Post('forgot-password')
  @HttpCode(200)
  @PageDoc('Page: send a reset email (D5 code)', 'The same answer whether or not the address is registered.')
  forgotSubmit(@Body() form: EmailPageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.requestPost('forgot', form, ip, req, res);
  }

  @SkipThrottle()
  @Get('account/recover')
  @PageDoc('Page: recover an account (asks for a D4 recovery email)', 'The form that sends a validation code.', false)
  recoverPage(@Req() req: Request, @Res() res: Response): void {
    this.send(res, this.views.requestForm('recover', this.readerOf(req)));
  }

  @Post('account/recover')
  @HttpCode(200)
  @PageDoc('Page: send a recovery email (D4 validation code)', 'The same answer whether or not the address is registered.')
  recoverSubmit(@Body() form: EmailPageForm, @ClientIp() ip: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.requestPost('recover', form, ip, req, res);
  }

  private codePage(spec: FlowSpec, req: Request, res: Response): void {
    this.send(res, this.views.codeForm(spec, this.readerOf(req)));
  }

  private async secretPost(spec: FlowSpec, rawCode: string | undefined, form: SecretPageForm, ip: string, req: Request, res: Response): Promise<void> {
    const code = (rawCode ?? '').trim();
    const visitor = this.readerOf(req);
    if (!code) return this.send(res, this.views.codeForm(spec, visitor, visitor.t('error.code.required')));
    let ctx: SecretContext;
    try {
      ctx = await this.pages.open(spec.flow as SecretFlow, code, ip);
    } catch (error) {
      return this.refuse(res, error, visitor, spec);
    }
    const m = this.readerOf(req, ctx.user.locale);
    const formCtx = { accountName: ctx.accountName, email: ctx.user.email, policy: ctx.policy, code };
    if (form.step !== 'set') return this.send(res, this.views.passwordForm(spec, m, formCtx));

    const password = form.password ?? '';
    const problems: FormProblems = { password: password ? [] : [m.t('error.password.required')] };
    if (!form.confirm) problems.confirm = m.t('error.confirm.required');
    else if (form.confirm !== password) problems.confirm = m.t('error.confirm.mismatch');
    // With the confirmation wrong, say at once what the policy will say too (its own rules, no history
    // compare), so the person does not learn it one submit later.
    if (problems.confirm && password) problems.password = this.pages.policyRefusals(password, ctx).map((v) => violationMessage(m, v));
    if (problems.password.length > 0 || problems.confirm) return this.send(res, this.views.passwordForm(spec, m, formCtx, problems));
    try {
      await this.pages.submit(spec.flow, code, password, ctx, ip);
    } catch (error) {
      if (error instanceof PasswordPolicyError) {
        return this.send(res, this.views.passwordForm(spec, m, { ...formCtx, policy: error.policy ?? ctx.policy }, { password: error.violations.map((v) => violationMessage(m, v)) }));
      }
      return this.refuse(res, error, m, spec);
    }
    this.send(res, this.views.done(spec, m, ctx.accountName, ctx.signInUrl));
  }

  private async requestPost(flow: RequestFlow, form: EmailPageForm, ip: string, req: Request, res: Response): Promise<void> {
    const m = this.readerOf(req);
    const email = (form.email ?? '').trim();
    if (!email) return this.send(res, this.views.requestForm(flow, m, email, m.t('error.email.required')));
    if (email.length > 320 || !/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(email)) return this.send(res, this.views.requestForm(flow, m, email, m.t('error.email.invalid')));
    try {
      const expiry = await this.pages.request(flow, email, ip);
      this.send(res, this.views.sent(flow, m, email, expiry));
    } catch (error) {
      this.refuse(res, error, m);
    }
  }

  /** A domain failure as a page; anything else goes on to the global filter (logged, answered as a page). */
  private refuse(res: Response, error: unknown, m: Messages, spec?: FlowSpec): void {
    if (!(error instanceof DomainError)) throw error;
    const page = this.views.failure(error, m, spec);
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (page.status === 429 && retryAfter) res.setHeader('Retry-After', String(retryAfter));
    this.send(res, page);
  }

  private readerOf(req: Request, preferred?: string | null): Messages {
    return messagesFor(negotiateLocale(req.get('accept-language'), preferred));
  }

  private send(res: Response, page: PageResponse): void {
    res.status(page.status).set(PAGE_HEADERS).send(page.html);
  }
}
