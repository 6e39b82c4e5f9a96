import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatAccountId, normaliseAccountId } from '../core/account-id.js';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import { viewContext } from '../http/page.js';
import type { RegistrationService } from '../accounts/registration.service.js';
import { clearSessionCookie, deviceCookieName, sendToGate, sessionGate, setChallengeCookie, startBrowserSession, type BrowserSessions } from '../sessions/session.plugin.js';
import type { SignInService } from '../sign-in/sign-in.service.js';
import type { LinkService, OpenHandshake } from './link.service.js';
import { clearLinkCookie, readLinkCookie } from './link-cookie.js';
import { MarketplaceError } from './marketplace.errors.js';
import { LINK_PATH, LinkPage, PROVISION_PATH, type LinkView } from './marketplace.pages.js';
import { sendMarketplaceProblem } from './marketplace.problem.js';

const Csrf = { _csrf: Type.String() };

/**
 * The link page and its steps. The handshake comes from the link cookie on every request and is spent
 * only when the subscription is linked: by a signed-in account of the same AWS account ID, in the same
 * transaction as a registration, or right after a sign-in without a second step. With MFA the second
 * step returns here (returnPath) and the signed-in user confirms.
 */
export interface LinkRouteDeps {
  link: LinkService;
  signIn: SignInService;
  registration: RegistrationService;
  browser: BrowserSessions;
}

export function linkRoutes({ link, signIn, registration, browser }: LinkRouteDeps): FastifyPluginAsyncTypebox {
  const { cookies } = browser;

  function problem(req: FastifyRequest, reply: FastifyReply, error: MarketplaceError) {
    // A dead handshake is of no further use: drop the cookie (a mismatch keeps it, to sign in with the right account).
    if (error.code !== 'marketplace_account_mismatch') clearLinkCookie(reply, cookies);
    return sendMarketplaceProblem(req, reply, error);
  }

  /** The open handshake behind the cookie, or the page saying why there is none (and undefined). */
  async function openHandshake(req: FastifyRequest, reply: FastifyReply): Promise<OpenHandshake | undefined> {
    const state = await link.checkHandshake(readLinkCookie(req, cookies));
    if (state.ok) return state.handshake;
    await problem(req, reply, state.error);
    return undefined;
  }

  function page(req: FastifyRequest, reply: FastifyReply, handshake: OpenHandshake, view: LinkView, status = 200) {
    return reply.page(<LinkPage ctx={viewContext(req, reply)} awsAccountId={handshake.subscription.aws_account_id} portalAccountExists={handshake.portalAccountExists} view={view} />, status);
  }

  /** Linked: the cookie has done its job; provisioning comes next. */
  function toProvisioning(reply: FastifyReply, subscriptionId: string) {
    clearLinkCookie(reply, cookies);
    return reply.redirect(`${PROVISION_PATH}?subscription=${subscriptionId}`, 303);
  }

  return async (app) => {
    app.get(LINK_PATH, { schema: { querystring: Type.Object({ step: Type.Optional(Type.Union([Type.Literal('sign-in'), Type.Literal('register')])) }) } }, async (req, reply) => {
      const handshake = await openHandshake(req, reply);
      if (handshake === undefined) return reply;
      // A new password or MFA set-up comes first (as requireAccount enforces elsewhere); the link page follows it.
      const gate = sessionGate(req);
      if (gate !== undefined) return sendToGate(req, reply, gate);
      const session = req.portalSession;
      if (session !== undefined) {
        const view: LinkView = session.awsAccountId === handshake.subscription.aws_account_id ? { kind: 'confirm' } : { kind: 'mismatch', signedInAs: session.awsAccountId };
        return page(req, reply, handshake, view);
      }
      const step = req.query.step ?? (handshake.portalAccountExists ? 'sign-in' : 'register');
      return page(req, reply, handshake, { kind: step });
    });

    // A signed-in user of the subscription's AWS account links at once.
    app.post(LINK_PATH, { schema: { body: Type.Object(Csrf) } }, async (req, reply) => {
      const handshake = await openHandshake(req, reply);
      if (handshake === undefined) return reply;
      const session = req.portalSession;
      if (session === undefined || sessionGate(req) !== undefined) return reply.redirect(LINK_PATH, 303);
      try {
        await link.linkAccount(handshake, { id: session.accountId, awsAccountId: session.awsAccountId }, clientOf(req));
        return await toProvisioning(reply, handshake.subscription.id);
      } catch (error) {
        if (!(error instanceof MarketplaceError)) throw error;
        if (error.code === 'marketplace_account_mismatch') await link.recordRefusal(handshake, session.awsAccountId, clientOf(req));
        return problem(req, reply, error);
      }
    });

    app.post('/portal/marketplace/sign-in', { schema: { body: Type.Object({ accountId: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 1024 }), ...Csrf }) } }, async (req, reply) => {
      const handshake = await openHandshake(req, reply);
      if (handshake === undefined) return reply;
      const { accountId, password } = req.body;
      const subscriptionAccount = handshake.subscription.aws_account_id;
      const typed = normaliseAccountId(accountId);
      if (!typed.ok) return page(req, reply, handshake, { kind: 'sign-in', values: { accountId }, error: 'Please correct the highlighted field.', fieldErrors: { accountId: [typed.message] } }, 400);
      // The subscription fixes the account: another ID is refused before any password is checked.
      if (typed.accountId !== subscriptionAccount) {
        await link.recordRefusal(handshake, typed.accountId, clientOf(req));
        const message = `This subscription belongs to AWS account ${formatAccountId(subscriptionAccount)}. Sign in with that account ID; a subscription cannot be linked to another AWS account's portal account.`;
        return page(req, reply, handshake, { kind: 'sign-in', values: { accountId: formatAccountId(subscriptionAccount) }, error: message, fieldErrors: { accountId: [message] } }, 403);
      }
      try {
        const deviceId = browser.knownDevices.read(req.cookies[deviceCookieName(cookies)]);
        const outcome = await signIn.signIn({ accountId: subscriptionAccount, password, returnPath: LINK_PATH }, clientOf(req), deviceId);
        if (outcome.kind === 'challenge') {
          setChallengeCookie(reply, cookies, outcome.token, outcome.expiresAt);
          return await reply.redirect('/portal/sign-in/verify', 303);
        }
        await startBrowserSession(req, reply, browser, outcome);
        // Linking waits until a one-time password is replaced: the link page sends the session there and back.
        if (outcome.mustChangePassword) return await reply.redirect(LINK_PATH, 303);
        await link.linkAccount(handshake, { id: outcome.accountId, awsAccountId: outcome.awsAccountId }, clientOf(req));
        return await toProvisioning(reply, handshake.subscription.id);
      } catch (error) {
        if (error instanceof MarketplaceError) return problem(req, reply, error);
        if (!(error instanceof AppError)) throw error;
        return page(req, reply, handshake, { kind: 'sign-in', values: { accountId: formatAccountId(subscriptionAccount) }, error: error.message, fieldErrors: error.fields }, error.status);
      }
    });

    app.post(
      '/portal/marketplace/register',
      { schema: { body: Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 64 })), email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }), passwordConfirm: Type.String({ maxLength: 1024 }), ...Csrf }) } },
      async (req, reply) => {
        const handshake = await openHandshake(req, reply);
        if (handshake === undefined) return reply;
        if (req.portalSession !== undefined) return reply.redirect(LINK_PATH, 303);
        const { email, password, passwordConfirm } = req.body;
        // The read-only field is only shown: the account ID is the subscription's, whatever was posted.
        const input = { accountId: req.body.accountId ?? handshake.subscription.aws_account_id, email, password, passwordConfirm };
        try {
          const result = await registration.register(input, clientOf(req), link.registrationOptions(handshake, clientOf(req)));
          await startBrowserSession(req, reply, browser, result);
          return await toProvisioning(reply, handshake.subscription.id);
        } catch (error) {
          if (error instanceof MarketplaceError) return problem(req, reply, error);
          if (!(error instanceof AppError)) throw error;
          return page(req, reply, handshake, { kind: 'register', values: { email }, error: error.message, fieldErrors: error.fields }, error.status);
        }
      },
    );

    // Signed in as another account: sign out here and come back to the link page (the link cookie stays).
    app.post('/portal/marketplace/sign-out', { schema: { body: Type.Object(Csrf) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session !== undefined && req.portalSessionToken !== undefined) await signIn.signOut(req.portalSessionToken, session.awsAccountId, clientOf(req));
      clearSessionCookie(reply, cookies);
      return reply.redirect(LINK_PATH, 303);
    });
  };
}
