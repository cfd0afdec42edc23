// The certified npm oidc-provider, configured for gatehouse's end-to-end
// tests (internal/nodeoptest starts it). OP_CONFIG (JSON) gives the issuer,
// the port, the clients and the accounts; the process prints "ready" once
// it listens on 127.0.0.1. Logins go through the provider's own
// development forms (any password).
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.OP_CONFIG);

const provider = new Provider(cfg.issuer, {
  clients: cfg.clients,
  cookies: { keys: [cfg.cookieKey] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // A refresh token for every code grant of a client allowed to refresh, as
  // most providers do; the default demands prompt=consent for offline_access.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Its outgoing requests (back-channel logout) refuse special-use
  // addresses such as 127.0.0.1 by a dispatcher it adds; every server of
  // these tests is on 127.0.0.1, so its documented fetch hook drops it.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  ttl: { AccessToken: cfg.accessTokenTTL, IdToken: cfg.accessTokenTTL },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(cfg.accounts[id] ?? { email: `${id}@example.com` }) };
      },
    };
  },
});

// Failed deliveries show in the test's output.
provider.on('backchannel.error', (ctx, err, client) => {
  console.error(`backchannel logout to ${client.clientId} failed: ${err.message}`);
});
provider.on('grant.error', (ctx, err) => {
  console.error(`grant error: ${err.message} ${err.error_detail ?? ''} ${err.cause?.message ?? ''}`);
});
provider.on('server_error', (ctx, err) => console.error(`server_error: ${err.stack}`));

// A test changes an account at the provider (a group taken away): PUT
// /test/accounts/<id> with the account's claims as JSON. The next userinfo
// answers them. Served on 127.0.0.1 to the tests only.
provider.use(async (ctx, next) => {
  const m = /^\/test\/accounts\/([^/]+)$/.exec(ctx.path);
  if (!m || ctx.method !== 'PUT') return next();
  let body = '';
  for await (const chunk of ctx.req) body += chunk;
  cfg.accounts[decodeURIComponent(m[1])] = JSON.parse(body);
  ctx.status = 204;
});

provider.listen(cfg.port, '127.0.0.1', () => {
  console.log('ready');
});
