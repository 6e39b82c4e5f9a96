/** The closing lines of the portal's account emails (appended to the text body). */
export const EMAIL_SIGNATURE = '\n\n— WebStream Licence Portal\nIf you did not expect this email, you can ignore it or contact your WebStream account team.';
