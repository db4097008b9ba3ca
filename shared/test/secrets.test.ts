import { generateTotpSecret, hashPassword, hashToken, totpCode, verifyPassword, verifyTotp } from '@ucsc/shared';

describe('passwords', () => {
  it('are stored as a salted scrypt hash that verifies only the same password (NFC-equal)', async () => {
    const hash = await hashPassword('Mật khẩu rất dài 2026');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('Mật khẩu');
    expect(await verifyPassword('Mật khẩu rất dài 2026', hash)).toBe(true);
    expect(await verifyPassword('Mật khẩu rất dài 2026'.normalize('NFD'), hash)).toBe(true);
    expect(await verifyPassword('mật khẩu rất dài 2026', hash)).toBe(false);
    expect(await hashPassword('Mật khẩu rất dài 2026')).not.toBe(hash);
  });

  it('never verify against a malformed stored value', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });
});

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", last six of the eight digits
  const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('at %i s the code is %s', (seconds, code) => {
    expect(totpCode(rfcSecret, seconds * 1000)).toBe(code);
  });

  it('accepts the neighbouring step (clock drift) but not older codes or malformed ones', () => {
    const secret = generateTotpSecret();
    const now = Date.now();
    expect(verifyTotp(secret, totpCode(secret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, now - 120_000), now)).toBe(false);
    expect(verifyTotp(secret, '12345', now)).toBe(false);
  });
});

describe('tokens', () => {
  it('are stored as a hash', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
