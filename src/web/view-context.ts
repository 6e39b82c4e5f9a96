/** What every page needs from the request: who is signed in, the CSRF token for forms, and a notice. */
export interface ViewContext {
  csrfToken: string;
  account: { awsAccountId: string } | undefined;
  notice: string | undefined;
  /** The path of the page, to mark its navigation link as the current one. */
  currentPath?: string;
}
