import { z } from 'zod';
import { ulid } from 'ulid';
import type { Redis } from '../redis';
import type { Actor, Role } from '../contracts/common';
import { apiTokenSchema, userSchema } from '../contracts/identity';
import type { EventPublisher } from '../bus/publisher';
import { makeEnvelope } from '../contracts/parse';
import { revocationsChannel } from './tokens';
import { dummyPasswordHash, hashPassword, hashToken, randomToken, sameHash, totpStep, verifyPassword } from './secrets';

/** Roles that must sign in with a second factor. */
export const rolesRequiringTotp: readonly Role[] = ['national_coordinator', 'admin'];

export { userSchema, apiTokenSchema, tokenScopes } from '../contracts/identity';
export type User = z.infer<typeof userSchema>;
/** What the API may show of a user: never the password hash or the TOTP secret. */
export type PublicUser = Omit<User, 'passwordHash' | 'totpSecret'> & { totpEnrolled: boolean };

export type ApiToken = z.infer<typeof apiTokenSchema>;
export type PublicApiToken = Omit<ApiToken, 'secretHash'>;

export interface Session {
  userId: string;
  authenticatedBy: 'password' | 'password+totp';
  csrf: string;
  createdAt: number;
  absoluteExpiresAt: number;
}

export interface IdentitySettings {
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  maxFailedSignIns: number;
  lockoutSeconds: number;
}

export const defaultIdentitySettings: IdentitySettings = {
  sessionIdleSeconds: 30 * 60,
  sessionMaxSeconds: 12 * 3600,
  maxFailedSignIns: 5,
  lockoutSeconds: 15 * 60,
};

export type SignInResult =
  | { ok: true; user: User; token: string; session: Session }
  | {
      ok: false;
      reason: 'invalid_credentials' | 'totp_required' | 'invalid_totp' | 'locked';
      retryAfterSeconds?: number;
      user?: User;
      /** this attempt is the one that locked the account (a lock-out is audited once, when it happens) */
      lockedNow?: boolean;
      /** a locked account that has a second factor still lets its owner in with password and code */
      secondFactorPasses?: boolean;
    };

export function publicUser(user: User): PublicUser {
  const { passwordHash: _p, totpSecret, ...rest } = user;
  return { ...rest, totpEnrolled: Boolean(totpSecret) };
}

export function publicToken(token: ApiToken): PublicApiToken {
  const { secretHash: _s, ...rest } = token;
  return rest;
}

/** The actor a signed-in user acts as. */
export function userActor(user: User, authenticatedBy: Actor['authenticatedBy'], address?: string): Actor {
  return {
    kind: 'user',
    id: user.id,
    name: user.name,
    organisationId: user.organisationId,
    roles: user.roles,
    provinceCodes: user.provinceCodes,
    assigneeIds: user.assigneeIds,
    authenticatedBy,
    ...(address ? { address } : {}),
  };
}

/** The actor a machine acts as with an API token: a submitter of its organisation. */
export function tokenActor(token: ApiToken, address?: string): Actor {
  return {
    kind: 'api_token',
    id: token.id,
    name: token.name,
    organisationId: token.organisationId,
    roles: ['submitter'],
    provinceCodes: token.provinceCodes,
    assigneeIds: [],
    authenticatedBy: 'api_token',
    ...(address ? { address } : {}),
  };
}

/**
 * Users, sessions, API tokens and sign-in failures, in Redis (with AOF). Only the identity owner
 * (the board) has one; the other services check access tokens it signs (see tokens.ts). With a
 * journal, every change of an account or token is first recorded whole on the identity topic
 * (acks=all), then written here: the accounts and tokens are rebuilt from that topic
 * (rebuildIdentity); sessions, lock-outs and used TOTP steps are not (a wiped Redis ends every
 * session). Only hashes of passwords and tokens are stored.
 */
export class IdentityStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly settings: IdentitySettings = defaultIdentitySettings,
    /** where changes of accounts and tokens are recorded first (the board's publisher); fixtures go without */
    private readonly journal?: EventPublisher,
  ) {}

  private async record(change: { user: User } | { token: ApiToken }): Promise<void> {
    if (!this.journal) return;
    const context = { producedBy: 'board', actor: { kind: 'service' as const, id: 'board', authenticatedBy: 'service' as const } };
    const envelope = 'user' in change ? makeEnvelope('identity.user_put', change, context) : makeEnvelope('identity.token_put', change, context);
    await this.journal.publish('identityEvents', [envelope]);
  }

  private key(...parts: string[]) {
    return `${this.prefix}identity:${parts.join(':')}`;
  }

  /** The pub/sub channel on which every change of access is announced (a user's or token's id). */
  get changesChannel(): string {
    return this.key('changes');
  }

  /**
   * Tells every copy of every service that this user's or token's access changed: its access
   * version moves on (access tokens issued before are void, on every verifier, from the
   * revocation on) and open connections re-check at once.
   */
  private async changed(subjectId: string): Promise<void> {
    const ver = Number(await this.redis.eval(bumpVersion, 1, this.key('version', subjectId), String(Date.now())));
    await this.redis.publish(revocationsChannel(this.prefix), JSON.stringify({ sub: subjectId, ver }));
    await this.redis.publish(this.changesChannel, subjectId);
  }

  /**
   * The current access version of a user or token (what an access token issued now carries; 0
   * until its first change). A change sets it to a time in milliseconds that only grows, so that
   * after a wiped Redis the rebuild (restore) sets every one above those issued before.
   */
  async accessVersion(subjectId: string): Promise<number> {
    return Number((await this.redis.get(this.key('version', subjectId))) ?? 0);
  }

  // ---- users ----

  async createUser(input: {
    username: string;
    name: string;
    password: string;
    organisationId: string;
    roles: Role[];
    provinceCodes?: string[];
    assigneeIds?: string[];
    totpSecret?: string;
  }): Promise<User> {
    const now = new Date().toISOString();
    const user: User = {
      id: `usr-${ulid()}`,
      username: input.username.toLowerCase(),
      name: input.name,
      organisationId: input.organisationId,
      roles: input.roles,
      provinceCodes: input.provinceCodes ?? [],
      assigneeIds: input.assigneeIds ?? [],
      passwordHash: await hashPassword(input.password),
      ...(input.totpSecret ? { totpSecret: input.totpSecret } : {}),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    const claimed = await this.redis.set(this.key('username', user.username), user.id, 'NX');
    if (claimed !== 'OK') throw new UsernameTakenError(user.username);
    try {
      await this.record({ user });
    } catch (error) {
      await this.redis.del(this.key('username', user.username));
      throw error;
    }
    await this.redis.set(this.key('user', user.id), JSON.stringify(user));
    await this.redis.sadd(this.key('users'), user.id);
    return user;
  }

  async getUser(id: string): Promise<User | undefined> {
    const raw = await this.redis.get(this.key('user', id));
    return raw ? userSchema.parse(JSON.parse(raw)) : undefined;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const id = await this.redis.get(this.key('username', username.toLowerCase()));
    return id ? this.getUser(id) : undefined;
  }

  async listUsers(): Promise<User[]> {
    const ids = await this.redis.smembers(this.key('users'));
    const users = await Promise.all(ids.map((id) => this.getUser(id)));
    return users.filter((u): u is User => Boolean(u)).sort((a, b) => a.username.localeCompare(b.username));
  }

  /** `password`: a new one, set by an admin; like disabling, it ends the account's sessions, and it lifts a lock-out. */
  async updateUser(id: string, change: Partial<Pick<User, 'roles' | 'provinceCodes' | 'assigneeIds' | 'disabled' | 'name'>> & { password?: string }): Promise<User | undefined> {
    const user = await this.getUser(id);
    if (!user) return undefined;
    const { password, ...rest } = change;
    const next = { ...user, ...rest, ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}), updatedAt: new Date().toISOString() };
    await this.record({ user: next });
    await this.redis.set(this.key('user', id), JSON.stringify(next));
    if (change.disabled || password !== undefined) await this.endSessionsOf(id);
    // a new password is a fresh start: the lock of failures on the old one no longer holds
    if (password !== undefined) await this.redis.del(this.key('failures', user.username), this.key('failed-from', user.username));
    await this.changed(id);
    return next;
  }

  // ---- sign-in ----

  /**
   * Checks password (and TOTP where the role needs it), counting failures toward a lock-out.
   * A lock must not be a way to silence the people who respond: a locked account refuses the
   * addresses that failed on it, still lets its owner in from elsewhere with the right password,
   * and, when it has a second factor, with the right password and code from anywhere.
   */
  async signIn(username: string, password: string, totp: string | undefined, address = 'unknown'): Promise<SignInResult> {
    const name = username.toLowerCase();
    const failuresKey = this.key('failures', name);
    const failedFromKey = this.key('failed-from', name);
    const [failures, failedHere] = await Promise.all([this.redis.get(failuresKey), this.redis.sismember(failedFromKey, address)]);
    const locked = Number(failures ?? 0) >= this.settings.maxFailedSignIns;
    const user = await this.findByUsername(name);
    // always one verification, so that timing does not tell which usernames exist or are locked
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? dummyPasswordHash);
    if (!user || !passwordOk || user.disabled) return this.failed(name, address, 'invalid_credentials', user);
    const needsTotp = user.roles.some((r) => rolesRequiringTotp.includes(r));
    if (needsTotp && !user.totpSecret) return this.failed(name, address, 'invalid_credentials', user); // not enrolled: may not sign in
    if (locked) {
      if (!user.totpSecret && failedHere) return this.lockedOut(failuresKey, user, false);
      if (user.totpSecret && !totp) return this.lockedOut(failuresKey, user, true);
    }
    if (user.totpSecret && (needsTotp || locked)) {
      if (!totp) return { ok: false, reason: 'totp_required', user };
      if (!(await this.useTotp(user, totp))) return this.failed(name, address, 'invalid_totp', user);
    }
    // a lock stays until it expires: a sign-in by its owner does not give an attacker fresh attempts
    if (!locked) await this.redis.del(failuresKey, failedFromKey);
    const { token, session } = await this.createSession(user, user.totpSecret && (needsTotp || locked) ? 'password+totp' : 'password');
    return { ok: true, user, token, session };
  }

  /** A TOTP code works once: the step it belongs to is claimed for this user (RFC 6238 §5.2). */
  private async useTotp(user: User, code: string): Promise<boolean> {
    const step = totpStep(user.totpSecret!, code);
    if (step === undefined) return false;
    return (await this.redis.set(this.key('totp-used', user.id, String(step)), '1', 'EX', 120, 'NX')) === 'OK';
  }

  private async lockedOut(failuresKey: string, user: User, secondFactorPasses: boolean): Promise<SignInResult> {
    const ttl = await this.redis.pttl(failuresKey);
    return { ok: false, reason: 'locked', retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)), user, secondFactorPasses };
  }

  private async failed(name: string, address: string, reason: 'invalid_credentials' | 'invalid_totp', user?: User): Promise<SignInResult> {
    const failuresKey = this.key('failures', name);
    const failedFromKey = this.key('failed-from', name);
    const lockout = this.settings.lockoutSeconds;
    const [[, count]] = (await this.redis
      .multi()
      .incr(failuresKey)
      .expire(failuresKey, lockout, 'NX')
      .sadd(failedFromKey, address)
      .expire(failedFromKey, lockout)
      .exec()) as [[null, number]];
    if (count >= this.settings.maxFailedSignIns) {
      return {
        ok: false,
        reason: 'locked',
        retryAfterSeconds: lockout,
        lockedNow: count === this.settings.maxFailedSignIns,
        secondFactorPasses: Boolean(user?.totpSecret),
        ...(user ? { user } : {}),
      };
    }
    return { ok: false, reason, ...(user ? { user } : {}) };
  }

  // ---- sessions ----

  /** A new session for a user whose credentials were checked (signIn; test fixtures sign in through it too). */
  async createSession(user: User, authenticatedBy: Session['authenticatedBy']): Promise<{ token: string; session: Session }> {
    const token = randomToken();
    const now = Date.now();
    const session: Session = { userId: user.id, authenticatedBy, csrf: randomToken(18), createdAt: now, absoluteExpiresAt: now + this.settings.sessionMaxSeconds * 1000 };
    const hash = hashToken(token);
    await this.redis
      .multi()
      .set(this.key('session', hash), JSON.stringify(session), 'EX', this.settings.sessionIdleSeconds)
      .sadd(this.key('sessions-of', user.id), hash)
      .exec();
    return { token, session };
  }

  /** The live session of a token, its idle timer renewed; undefined when expired, ended or unknown. */
  async resolveSession(token: string): Promise<Session | undefined> {
    const key = this.key('session', hashToken(token));
    const raw = await this.redis.get(key);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    const left = Math.floor((session.absoluteExpiresAt - Date.now()) / 1000);
    if (left <= 0) {
      await this.redis.del(key);
      return undefined;
    }
    await this.redis.expire(key, Math.min(this.settings.sessionIdleSeconds, left));
    return session;
  }

  async endSession(token: string): Promise<void> {
    const key = this.key('session', hashToken(token));
    const raw = await this.redis.get(key);
    await this.redis.del(key);
    if (raw) await this.changed((JSON.parse(raw) as Session).userId);
  }

  async endSessionsOf(userId: string): Promise<void> {
    const hashes = await this.redis.smembers(this.key('sessions-of', userId));
    if (hashes.length) await this.redis.del(...hashes.map((h) => this.key('session', h)));
    await this.redis.del(this.key('sessions-of', userId));
    await this.changed(userId);
  }

  // ---- API tokens ----

  async createToken(input: { name: string; organisationId: string; provinceCodes: string[]; scopes: ApiToken['scopes']; expiresInDays: number; createdBy: string }): Promise<{ token: ApiToken; secret: string }> {
    const id = `tok-${ulid()}`;
    const secretPart = randomToken();
    const now = new Date();
    const token: ApiToken = {
      id,
      name: input.name,
      organisationId: input.organisationId,
      provinceCodes: input.provinceCodes,
      scopes: input.scopes,
      secretHash: hashToken(secretPart),
      createdBy: input.createdBy,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString(),
    };
    await this.record({ token });
    await this.redis.multi().set(this.key('token', id), JSON.stringify(token)).sadd(this.key('tokens-of', input.organisationId), id).exec();
    return { token, secret: `ucsc_${id}.${secretPart}` };
  }

  async getToken(id: string): Promise<ApiToken | undefined> {
    const raw = await this.redis.get(this.key('token', id));
    return raw ? apiTokenSchema.parse(JSON.parse(raw)) : undefined;
  }

  async listTokens(organisationId?: string): Promise<ApiToken[]> {
    const ids = organisationId
      ? await this.redis.smembers(this.key('tokens-of', organisationId))
      : (await this.scanKeys(this.key('token', '*'))).map((k) => k.split(':').pop()!);
    const tokens = await Promise.all(ids.map((id) => this.getToken(id)));
    return tokens.filter((t): t is ApiToken => Boolean(t));
  }

  /** The token a presented secret belongs to, when it is valid: not expired, not revoked. */
  async resolveToken(presented: string): Promise<ApiToken | undefined> {
    const match = /^ucsc_(tok-[0-9A-Z]{26})\.([\w-]{20,})$/.exec(presented);
    if (!match) return undefined;
    const token = await this.getToken(match[1]!);
    if (!token || token.revokedAt || Date.parse(token.expiresAt) <= Date.now()) return undefined;
    return sameHash(token.secretHash, hashToken(match[2]!)) ? token : undefined;
  }

  async revokeToken(id: string): Promise<ApiToken | undefined> {
    const token = await this.getToken(id);
    if (!token) return undefined;
    const revoked = { ...token, revokedAt: token.revokedAt ?? new Date().toISOString() };
    await this.record({ token: revoked });
    await this.redis.set(this.key('token', id), JSON.stringify(revoked));
    await this.changed(id);
    return revoked;
  }

  /** A new secret for the same token id; the old secret stops working at once. */
  async rotateToken(id: string): Promise<{ token: ApiToken; secret: string } | undefined> {
    const token = await this.getToken(id);
    if (!token || token.revokedAt) return undefined;
    const secretPart = randomToken();
    const rotated = { ...token, secretHash: hashToken(secretPart) };
    await this.record({ token: rotated });
    await this.redis.set(this.key('token', id), JSON.stringify(rotated));
    await this.changed(id);
    return { token: rotated, secret: `ucsc_${id}.${secretPart}` };
  }

  /** Writes an account or token as a record of the identity topic has it (rebuildIdentity). */
  async restore(change: { user: User } | { token: ApiToken }): Promise<void> {
    if ('user' in change) {
      const { user } = change;
      await this.redis.multi().set(this.key('user', user.id), JSON.stringify(user)).set(this.key('username', user.username), user.id).sadd(this.key('users'), user.id).exec();
    } else {
      const { token } = change;
      await this.redis.multi().set(this.key('token', token.id), JSON.stringify(token)).sadd(this.key('tokens-of', token.organisationId), token.id).exec();
    }
    // whatever a verifier still holds of this subject was issued before: void it
    await this.changed('user' in change ? change.user.id : change.token.id);
  }

  private async scanKeys(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }
}

const bumpVersion = `local old = tonumber(redis.call('GET', KEYS[1]) or '0')
local v = math.max(old + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], v)
return v`;

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`username ${username} is taken`);
    this.name = 'UsernameTakenError';
  }
}
