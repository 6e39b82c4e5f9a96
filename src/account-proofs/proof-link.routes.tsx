import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidLinkPage } from '../accounts/account.pages.js';
import type { RegistrationService } from '../accounts/registration.service.js';
import { AppError } from '../core/errors.js';
import { clientOf } from '../http/client.js';
import { viewContext } from '../http/page.js';
import { CHANGE_PASSWORD_PATH, clearSessionCookie, deviceCookieName, sendToGate, sessionGate, setChallengeCookie, startBrowserSession, type BrowserSessions } from '../sessions/session.plugin.js';
import type { SignInService } from '../sign-in/sign-in.service.js';
import { PROOF_LINK_OPEN_PATH, type AccountProofService, type OpenProofLink } from './account-proofs.service.js';
import { clearProofCookie, readProofCookie, setProofCookie } from './proof-cookie.js';
import { ProofLinkError } from './proof-link.errors.js';
import { PROOF_LINK_PATH, PROOF_LINK_REGISTER_PATH, PROOF_LINK_SIGN_IN_PATH, PROOF_LINK_SIGN_OUT_PATH, ProofLinkPage, type ProofLinkView } from './proof-link.pages.js';

const Csrf = { _csrf: Type.String() };
/** Registration posts through a link per source address per minute, as for /portal/register. */
const REGISTRATIONS_PER_MINUTE = 30;

export interface ProofLinkRouteDeps {
  proofs: AccountProofService;
  registration: RegistrationService;
  signIn: SignInService;
  browser: BrowserSessions;
}

/**
 * The customer's side of a portal link, as the Marketplace link page does it: opening the URL spends
 * nothing (a link preview may fetch it) and moves the token into a cookie, out of the address bar, history
 * and any Referer (no-referrer is set anyway); the link page reads the cookie on every request; the link is
 * spent in the registration's transaction, or once the password is accepted on its sign-in.
 */
export function proofLinkRoutes({ proofs, registration, signIn, browser }: ProofLinkRouteDeps): FastifyPluginAsyncTypebox {
  const { cookies } = browser;

  /** A link that cannot be used: why, and what to do (open a new one). The cookie is dropped. */
  function deadLink(req: FastifyRequest, reply: FastifyReply, error: ProofLinkError) {
    clearProofCookie(reply, cookies);
    const action = req.portalSession === undefined ? { href: '/portal/sign-in', label: 'Sign in to the portal' } : { href: '/portal/entitlements', label: 'Go to My Entitlements' };
    return reply.page(<InvalidLinkPage ctx={viewContext(req, reply)} title={error.title} message={error.message} action={action} />, error.status);
  }

  /** The open link behind the cookie, or the page saying why there is none (and undefined). */
  async function openLink(req: FastifyRequest, reply: FastifyReply): Promise<OpenProofLink | undefined> {
    const state = await proofs.check(readProofCookie(req, cookies));
    if (state.ok) return state.link;
    await deadLink(req, reply, state.error);
    return undefined;
  }

  function page(req: FastifyRequest, reply: FastifyReply, link: OpenProofLink, view: ProofLinkView, status = 200) {
    return reply.page(<ProofLinkPage ctx={viewContext(req, reply)} proven={link} portalAccountExists={link.portalAccountExists} view={view} />, status);
  }

  return async (app) => {
    // The URL POST /api/v1/portal-links answers (the token is redacted from logs as `token=`).
    app.get(PROOF_LINK_OPEN_PATH, { schema: { querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 1024 })) }) } }, async (req, reply) => {
      const token = req.query.token ?? '';
      const state = await proofs.check(token);
      if (!state.ok) return deadLink(req, reply, state.error);
      setProofCookie(reply, cookies, token, state.link.expiresAt);
      return reply.redirect(PROOF_LINK_PATH, 303);
    });

    app.get(PROOF_LINK_PATH, { schema: { querystring: Type.Object({ step: Type.Optional(Type.Union([Type.Literal('sign-in'), Type.Literal('register')])) }) } }, async (req, reply) => {
      const link = await openLink(req, reply);
      if (link === undefined) return reply;
      // A new password or MFA set-up comes first (as requireAccount enforces elsewhere).
      const gate = sessionGate(req);
      if (gate !== undefined) return sendToGate(req, reply, gate);
      const session = req.portalSession;
      if (session !== undefined) {
        if (session.awsAccountId !== link.awsAccountId) return page(req, reply, link, { kind: 'mismatch', signedInAs: session.awsAccountId });
        // Already signed in to the proven account: nothing left for the link to do.
        clearProofCookie(reply, cookies);
        return reply.redirect('/portal/entitlements', 303);
      }
      return page(req, reply, link, { kind: req.query.step ?? (link.portalAccountExists ? 'sign-in' : 'register') });
    });

    app.post(
      PROOF_LINK_REGISTER_PATH,
      {
        config: { rateLimit: { max: REGISTRATIONS_PER_MINUTE, timeWindow: 60_000 } },
        schema: { body: Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 64 })), email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }), passwordConfirm: Type.String({ maxLength: 1024 }), ...Csrf }) },
      },
      async (req, reply) => {
        const link = await openLink(req, reply);
        if (link === undefined) return reply;
        if (req.portalSession !== undefined) return reply.redirect(PROOF_LINK_PATH, 303);
        const { email, password, passwordConfirm } = req.body;
        // The read-only field is only shown: the account ID is the proven one (another one posted is refused by the service).
        const input = { accountId: req.body.accountId ?? link.awsAccountId, email, password, passwordConfirm };
        try {
          const result = await registration.register(input, clientOf(req), proofs.registrationOptions(link, clientOf(req)));
          await startBrowserSession(req, reply, browser, result);
          clearProofCookie(reply, cookies);
          return await reply.redirect('/portal/entitlements?notice=welcome', 303);
        } catch (error) {
          if (error instanceof ProofLinkError) return deadLink(req, reply, error);
          if (!(error instanceof AppError)) throw error;
          return page(req, reply, link, { kind: 'register', values: { email }, error: error.message, fieldErrors: error.fields }, error.status);
        }
      },
    );

    app.post(PROOF_LINK_SIGN_IN_PATH, { schema: { body: Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 64 })), password: Type.String({ maxLength: 1024 }), ...Csrf }) } }, async (req, reply) => {
      const link = await openLink(req, reply);
      if (link === undefined) return reply;
      if (req.portalSession !== undefined) return reply.redirect(PROOF_LINK_PATH, 303);
      try {
        const deviceId = browser.knownDevices.read(req.cookies[deviceCookieName(cookies)]);
        // The account is the proven one, whatever the read-only field posted.
        const outcome = await signIn.signIn({ accountId: link.awsAccountId, password: req.body.password, returnPath: null }, clientOf(req), deviceId);
        // The password was accepted: the link has done its job. Spent by a parallel request meanwhile, the sign-in still stands.
        await proofs.spendForSignIn(link, clientOf(req)).catch((error: unknown) => {
          if (!(error instanceof ProofLinkError)) throw error;
        });
        clearProofCookie(reply, cookies);
        if (outcome.kind === 'challenge') {
          setChallengeCookie(reply, cookies, outcome.token, outcome.expiresAt);
          return await reply.redirect(outcome.codeSent?.sent === false ? '/portal/sign-in/verify?notice=code-recent' : '/portal/sign-in/verify', 303);
        }
        await startBrowserSession(req, reply, browser, outcome);
        return await reply.redirect(outcome.mustChangePassword ? CHANGE_PASSWORD_PATH : '/portal/entitlements', 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return page(req, reply, link, { kind: 'sign-in', error: error.message, fieldErrors: error.fields }, error.status);
      }
    });

    // Signed in as another account: sign out here and come back to the link page (the link cookie stays).
    app.post(PROOF_LINK_SIGN_OUT_PATH, { schema: { body: Type.Object(Csrf) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session !== undefined && req.portalSessionToken !== undefined) await signIn.signOut(req.portalSessionToken, session.awsAccountId, clientOf(req));
      clearSessionCookie(reply, cookies);
      return reply.redirect(PROOF_LINK_PATH, 303);
    });
  };
}
