import { AppError } from '../core/errors.js';

export type ProofLinkErrorCode = 'portal_link_missing' | 'portal_link_invalid' | 'portal_link_expired' | 'portal_link_used';

/** A portal link that cannot be used, as the customer should hear it: a title for its page, what happened and what to do next. */
export class ProofLinkError extends AppError {
  constructor(
    code: ProofLinkErrorCode,
    readonly title: string,
    message: string,
  ) {
    super(code, message, 400);
    this.name = 'ProofLinkError';
  }
}

const NEW_LINK = "open a new portal link from your WebStream instance's admin panel";

export const proofLinkErrors = {
  missing: () => new ProofLinkError('portal_link_missing', 'No portal link', `This page continues a portal link from a WebStream instance, and none came with your browser. To create or open your portal account with your AWS account ID proven, ${NEW_LINK}.`),
  invalid: () => new ProofLinkError('portal_link_invalid', 'This portal link is not valid', `We do not recognise this link: it may have been cut short or changed. Portal links work once, for 15 minutes. Please ${NEW_LINK}.`),
  expired: () => new ProofLinkError('portal_link_expired', 'This portal link has expired', `For your security, a portal link works for 15 minutes, and this one is older. Please ${NEW_LINK}.`),
  used: () => new ProofLinkError('portal_link_used', 'This portal link has already been used', `Each portal link works once, and this one has been used. If that was you, sign in to the portal. Otherwise, ${NEW_LINK}.`),
};
