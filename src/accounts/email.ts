/** A deliberately simple check: one @, something on each side, a dot in the domain, no spaces. */
export function emailProblem(input: string): string | undefined {
  const email = input.trim();
  if (email === '') return 'Enter your contact email address.';
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'Enter an email address like name@example.com.';
  return undefined;
}
