import { totpCode } from '../identity/secrets';

/** npm run totp -- SECRET: the current six-digit code of an authenticator secret (for demo accounts). */
const secret = process.argv[2];
if (!secret) {
  console.error('usage: npm run totp -- BASE32SECRET');
  process.exit(2);
}
console.log(totpCode(secret));
