import { PASSWORD_RULES } from './password.policy.js';

/** The password rules, shown before the user types (as the field's hint). */
export function PasswordRules() {
  return (
    <>
      Your password needs:
      <ul>
        {PASSWORD_RULES.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </>
  );
}
