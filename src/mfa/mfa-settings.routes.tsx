import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { viewContext } from '../http/page.js';
import { clientOf } from '../http/client.js';
import type { MfaMethod } from '../db/schema.js';
import { requireAccount, signedInSession, takeResumePath } from '../sessions/session.plugin.js';
import { codeSentMessage } from './code-messages.js';
import type { MfaService } from './mfa.service.js';
import { EmailSetupPage, RecoveryCodesPage, StepUpPage, TotpSetupPage, type StepUpPurpose } from './mfa-settings.pages.js';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }), _csrf: Type.String() });
const CsrfBody = Type.Object({ _csrf: Type.String() });

/** Turning MFA on and off, and replacing recovery codes, under /portal/settings/mfa. */
export interface MfaSettingsRouteDeps {
  mfa: MfaService;
}

export function mfaSettingsRoutes({ mfa }: MfaSettingsRouteDeps): FastifyPluginAsyncTypebox {
  const backToSettings = (reply: FastifyReply, notice?: string) => reply.redirect(`/portal/settings${notice === undefined ? '' : `?notice=${notice}`}`, 303);

  async function totpSetupPage(req: FastifyRequest, reply: FastifyReply, error?: string) {
    const session = signedInSession(req);
    const pending = await mfa.pendingTotp(session.accountId);
    if (pending === undefined) return backToSettings(reply, 'mfa-setup-expired');
    const qrSvg = await QRCode.toString(pending.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return reply.page(<TotpSetupPage ctx={viewContext(req, reply)} secret={pending.secret} qrSvg={qrSvg} awsAccountId={session.awsAccountId} error={error} />, error === undefined ? 200 : 400);
  }

  /** `method`: the account's MFA method, as the caller just read it. */
  async function stepUpPage(req: FastifyRequest, reply: FastifyReply, purpose: StepUpPurpose, method: MfaMethod | null, message?: { info?: string | undefined; error?: string | undefined }, status = 200) {
    if (method === null) return backToSettings(reply);
    return reply.page(<StepUpPage ctx={viewContext(req, reply)} purpose={purpose} method={method} info={message?.info} error={message?.error} />, status);
  }

  return async (app) => {
    app.addHook('preHandler', requireAccount);

    app.post('/portal/settings/mfa/totp/start', { schema: { body: CsrfBody } }, async (req, reply) => {
      const session = signedInSession(req);
      if ((await mfa.method(session.accountId)) !== null) return backToSettings(reply, 'mfa-already-on');
      await mfa.startTotp(session.accountId);
      return reply.redirect('/portal/settings/mfa/totp', 303);
    });

    app.get('/portal/settings/mfa/totp', async (req, reply) => totpSetupPage(req, reply));

    app.post('/portal/settings/mfa/totp', { schema: { body: CodeBody } }, async (req, reply) => {
      const session = signedInSession(req);
      const result = await mfa.confirmTotp(session.accountId, req.body.code, session.token, clientOf(req));
      if (!result.ok) return totpSetupPage(req, reply, result.message);
      return reply.page(<RecoveryCodesPage ctx={viewContext(req, reply)} codes={result.recoveryCodes} justEnabled continueTo={takeResumePath(req, reply)} />);
    });

    app.post('/portal/settings/mfa/email/start', { schema: { body: CsrfBody } }, async (req, reply) => {
      const session = signedInSession(req);
      if ((await mfa.method(session.accountId)) !== null) return backToSettings(reply, 'mfa-already-on');
      const sent = await mfa.sendEmailCode(session.accountId, 'enable_mfa');
      return reply.page(<EmailSetupPage ctx={viewContext(req, reply)} email={session.email} info={sent.sent ? `We have emailed a code to your contact address.` : codeSentMessage(sent)} />, sent.sent ? 200 : 429);
    });

    app.get('/portal/settings/mfa/email', async (req, reply) => {
      const session = signedInSession(req);
      if ((await mfa.method(session.accountId)) !== null) return backToSettings(reply);
      return reply.page(<EmailSetupPage ctx={viewContext(req, reply)} email={session.email} />);
    });

    app.post('/portal/settings/mfa/email', { schema: { body: CodeBody } }, async (req, reply) => {
      const session = signedInSession(req);
      const result = await mfa.confirmEmail(session.accountId, req.body.code, session.token, clientOf(req));
      if (!result.ok) return reply.page(<EmailSetupPage ctx={viewContext(req, reply)} email={session.email} error={result.message} />, 400);
      return reply.page(<RecoveryCodesPage ctx={viewContext(req, reply)} codes={result.recoveryCodes} justEnabled continueTo={takeResumePath(req, reply)} />);
    });

    app.get('/portal/settings/mfa/disable', async (req, reply) => stepUpPage(req, reply, 'disable', await mfa.method(signedInSession(req).accountId)));

    app.post('/portal/settings/mfa/disable', { schema: { body: CodeBody } }, async (req, reply) => {
      const session = signedInSession(req);
      const result = await mfa.disable(session.accountId, req.body.code, session.token, clientOf(req));
      if (!result.ok) return stepUpPage(req, reply, 'disable', await mfa.method(session.accountId), { error: result.message }, 400);
      return backToSettings(reply, 'mfa-disabled');
    });

    app.get('/portal/settings/mfa/recovery-codes', async (req, reply) => stepUpPage(req, reply, 'recovery-codes', await mfa.method(signedInSession(req).accountId)));

    app.post('/portal/settings/mfa/recovery-codes', { schema: { body: CodeBody } }, async (req, reply) => {
      const session = signedInSession(req);
      const result = await mfa.regenerateRecoveryCodes(session.accountId, req.body.code, clientOf(req));
      if (!result.ok) return stepUpPage(req, reply, 'recovery-codes', await mfa.method(session.accountId), { error: result.message }, 400);
      return reply.page(<RecoveryCodesPage ctx={viewContext(req, reply)} codes={result.recoveryCodes} justEnabled={false} />);
    });

    app.post('/portal/settings/mfa/step-up-code', { schema: { body: Type.Object({ for: Type.Union([Type.Literal('disable'), Type.Literal('recovery-codes')]), _csrf: Type.String() }) } }, async (req, reply) => {
      const session = signedInSession(req);
      const method = await mfa.method(session.accountId);
      // Emailed step-up codes only for email MFA: an app user proves it with the app (or a recovery code).
      if (method !== 'email') return stepUpPage(req, reply, req.body.for, method);
      const sent = await mfa.sendEmailCode(session.accountId, 'step_up');
      return stepUpPage(req, reply, req.body.for, method, { info: codeSentMessage(sent) }, sent.sent ? 200 : 429);
    });
  };
}
