import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  accountChangeRefusal,
  passwordResetRefusal,
  generateTotpSecret,
  hasRole,
  HttpError,
  identify,
  may,
  apiTokenSchema,
  commonProblems,
  problemSchema,
  userSchema,
  publicToken,
  publicUser,
  roleSchema,
  rolesRequiringTotp,
  tokenScopes,
  UsernameTakenError,
  type AccountAccess,
  type Actor,
  type OwnerAccess,
  type Permission,
} from '@ucsc/shared';

const idParams = z.object({ id: z.string().regex(/^(usr|tok)-[0-9A-Z]{26}$/, 'an id') });
const code = z.string().regex(/^\d{2}$/, 'two-digit unit code');
const personName = z.string().trim().min(1).max(200);
const password = z.string().min(12, 'at least 12 characters').max(500);
const newUserBody = z.strictObject({
  username: z.string().trim().regex(/^[a-z0-9._-]{3,64}$/, 'lowercase letters, digits, dot, dash, underscore (3–64)'),
  name: personName,
  password,
  organisationId: z.string().trim().min(1).max(100),
  roles: z.array(roleSchema).min(1),
  provinceCodes: z.array(code).default([]),
  assigneeIds: z.array(z.string().min(1).max(100)).default([]),
});
const userChangeBody = z
  .strictObject({
    roles: z.array(roleSchema).min(1).optional(),
    provinceCodes: z.array(code).optional(),
    assigneeIds: z.array(z.string().min(1).max(100)).optional(),
    disabled: z.boolean().optional(),
    name: personName.optional(),
    /** a new password the admin gives its holder: the account's sessions end */
    password: password.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
const newTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(tokenScopes)).min(1),
  expiresInDays: z.number().int().min(1).max(365).default(90),
  /** an admin may issue for any organisation; a province coordinator only for its own */
  organisationId: z.string().trim().min(1).max(100).optional(),
  provinceCodes: z.array(code).optional(),
});

function requirePermission(actor: Actor, permission: Permission): void {
  if (!may(actor, permission)) throw new HttpError(403, 'forbidden', `this account may not ${permission.replace('.', ' ')}`);
}

/** The permission a route needs, checked before its input is: who may not ask learns nothing of the rules. */
const needs = (permission: Permission) => ({ preValidation: async (request: FastifyRequest) => requirePermission(identify(request), permission) });

const publicUserSchema = userSchema.omit({ passwordHash: true, totpSecret: true }).extend({ totpEnrolled: z.boolean() });
const publicTokenSchema = apiTokenSchema.omit({ secretHash: true });
const problems = { ...commonProblems, 400: problemSchema, 404: problemSchema, 409: problemSchema } as const;
const userAnswer = z.object({ user: publicUserSchema, totpSecret: z.string().optional().describe('shown once, at creation, for the authenticator app') });
const tokenAnswer = z.object({ token: publicTokenSchema, secret: z.string().optional().describe('shown once: the token as its holder presents it') });

/** Who sees incidents is granted only as shared/src/access says (a national coordinator, never oneself). */
function requireAccountChange(actor: Actor, before: AccountAccess | undefined, after: AccountAccess): void {
  const refusal = accountChangeRefusal(actor, before, after);
  if (refusal) throw new HttpError(403, refusal.code, refusal.message);
}

/** Accounts and API tokens. Every change here is audited: a permission change, a rename or a new password, each as itself. */
export async function adminRoutes(fastify: FastifyInstance, options: { access: OwnerAccess }): Promise<void> {
  const { store, audit } = options.access;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/api/v1/users', { ...needs('users.manage'), schema: { summary: 'Accounts (admins)', response: { ...problems, 200: z.object({ users: z.array(publicUserSchema) }) } } }, async () => {
    return { users: (await store.listUsers()).map(publicUser) };
  });

  const newUser = { summary: 'Create an account (admins; roles that see incidents: national coordinators)', body: newUserBody, response: { ...problems, 201: userAnswer } };
  app.post('/api/v1/users', { ...needs('users.manage'), config: { auditedByRoute: true }, schema: newUser }, async (request, reply) => {
    const actor = identify(request);
    const body = request.body;
    requireAccountChange(actor, undefined, body);
    const totpSecret = body.roles.some((r) => rolesRequiringTotp.includes(r)) ? generateTotpSecret() : undefined;
    try {
      const user = await store.createUser({ ...body, ...(totpSecret ? { totpSecret } : {}) });
      await audit.record(actor, { action: 'user.created', outcome: 'success', target: user.id, requestId: String(request.id), detail: { username: user.username, roles: user.roles.join(',') } });
      // the TOTP secret is shown once, to be entered in the user's authenticator app
      return reply.status(201).send({ user: publicUser(user), ...(totpSecret ? { totpSecret } : {}) });
    } catch (error) {
      if (error instanceof UsernameTakenError) {
        throw new HttpError(409, 'username_taken', error.message, [{ field: 'body.username', rule: 'unique', message: error.message }]);
      }
      throw error;
    }
  });

  const userChange = { summary: 'Change an account’s name, roles, provinces, assignee ids, whether it is disabled, or set a new password (which ends its sessions)', params: idParams, body: userChangeBody, response: { ...problems, 200: userAnswer } };
  app.patch('/api/v1/users/:id', { ...needs('users.manage'), config: { auditedByRoute: true }, schema: userChange }, async (request) => {
    const actor = identify(request);
    const { id } = request.params;
    const change = request.body;
    // locking oneself out is its own refusal; any other change of one's own roles is a self-grant (accountChangeRefusal)
    if (id === actor.id && (change.disabled || (hasRole(actor, 'admin') && change.roles && !change.roles.includes('admin')))) {
      throw new HttpError(409, 'self_lockout', change.disabled ? 'no account disables itself' : 'an admin cannot demote itself');
    }
    const before = await store.getUser(id);
    if (!before) throw new HttpError(404, 'not_found', `user ${id} not found`);
    requireAccountChange(actor, before, { ...before, ...change });
    const resetRefused = change.password !== undefined ? passwordResetRefusal(actor, before) : undefined;
    if (resetRefused) throw new HttpError(403, resetRefused.code, resetRefused.message);
    const user = await store.updateUser(id, change);
    if (!user) throw new HttpError(404, 'not_found', `user ${id} not found`);
    const audited = (action: string, detail?: Record<string, string | boolean>) =>
      audit.record(actor, { action, outcome: 'success', target: id, requestId: String(request.id), ...(detail ? { detail } : {}) });
    const { name, password: newPassword, ...permissions } = change;
    if (Object.keys(permissions).length > 0) {
      await audited('user.permissions_changed', Object.fromEntries(Object.entries(permissions).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])));
    }
    if (name !== undefined) await audited('user.renamed', { from: before.name, to: name });
    // a new password is recorded as set, never as what it is
    if (newPassword !== undefined) await audited('user.password_set');
    return { user: publicUser(user) };
  });

  /** Admins and national coordinators manage every organisation's tokens; a province coordinator its own. */
  const managesAllTokens = (actor: Actor) => hasRole(actor, 'admin', 'national_coordinator');

  const tokenList = { summary: 'API tokens this account manages', response: { ...problems, 200: z.object({ tokens: z.array(publicTokenSchema) }) } };
  app.get('/api/v1/tokens', { ...needs('tokens.revoke'), schema: tokenList }, async (request) => {
    const actor = identify(request);
    const tokens = await store.listTokens(managesAllTokens(actor) ? undefined : actor.organisationId);
    return { tokens: tokens.map(publicToken) };
  });

  // a token's secret reads its organisation's reports: issuing one is granting access to them
  const newToken = { summary: 'Issue an API token for an organisation', body: newTokenBody, response: { ...problems, 201: tokenAnswer } };
  app.post('/api/v1/tokens', { ...needs('tokens.issue'), config: { auditedByRoute: true }, schema: newToken }, async (request, reply) => {
    const actor = identify(request);
    const body = request.body;
    if (!managesAllTokens(actor) && ((body.organisationId && body.organisationId !== actor.organisationId) || body.provinceCodes)) {
      throw new HttpError(403, 'forbidden', 'a province coordinator issues tokens only for its own organisation and provinces');
    }
    const organisationId = body.organisationId ?? actor.organisationId;
    if (!organisationId) throw new HttpError(400, 'validation_failed', 'organisation missing', [{ field: 'body.organisationId', rule: 'required', message: 'name the organisation' }]);
    const { token, secret } = await store.createToken({
      name: body.name,
      organisationId,
      provinceCodes: body.provinceCodes ?? actor.provinceCodes ?? [],
      scopes: body.scopes,
      expiresInDays: body.expiresInDays,
      createdBy: actor.id,
    });
    await audit.record(actor, { action: 'token.created', outcome: 'success', target: token.id, requestId: String(request.id), detail: { organisationId, scopes: token.scopes.join(',') } });
    return reply.status(201).send({ token: publicToken(token), secret });
  });

  const ownedToken = async (actor: Actor, id: string) => {
    const token = await store.getToken(id);
    if (!token || (!managesAllTokens(actor) && token.organisationId !== actor.organisationId)) throw new HttpError(404, 'not_found', `token ${id} not found`);
    return token;
  };

  /** The token a rotate or revoke names, if the caller manages it: who asks, and which token. */
  const managedToken = async (request: FastifyRequest & { params: { id: string } }, permission: Permission) => {
    const actor = identify(request);
    requirePermission(actor, permission);
    const { id } = request.params;
    await ownedToken(actor, id);
    return { actor, id };
  };

  const tokenChange = (summary: string) => ({ summary, params: idParams, response: { ...problems, 200: tokenAnswer } });
  app.post('/api/v1/tokens/:id/rotate', { config: { auditedByRoute: true }, schema: tokenChange('Rotate a token: a new secret, the old one stops at once') }, async (request) => {
    // a new secret is a new way in: rotating is issuing
    const { actor, id } = await managedToken(request, 'tokens.issue');
    const rotated = await store.rotateToken(id);
    if (!rotated) throw new HttpError(409, 'token_revoked', 'a revoked token cannot be rotated');
    await audit.record(actor, { action: 'token.rotated', outcome: 'success', target: id, requestId: String(request.id) });
    return { token: publicToken(rotated.token), secret: rotated.secret };
  });

  app.delete('/api/v1/tokens/:id', { config: { auditedByRoute: true }, schema: tokenChange('Revoke a token') }, async (request) => {
    const { actor, id } = await managedToken(request, 'tokens.revoke');
    const revoked = await store.revokeToken(id);
    await audit.record(actor, { action: 'token.revoked', outcome: 'success', target: id, requestId: String(request.id) });
    return { token: publicToken(revoked!) };
  });
}
