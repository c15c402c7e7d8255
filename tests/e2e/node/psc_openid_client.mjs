// The npm openid-client relying party (panva, v6) against the sandbox's Pro Santé Connect, in its default
// configuration: discovery, authorization code + PKCE (login_hint, so the redirect is followed with fetch),
// the token exchange with the library's default client authentication, userinfo, a refresh, and the same
// login again with response_mode=form_post. Run by tests/e2e/test_psc_openid_client.py, which reads the
// JSON this prints on stdout. The only option set is allowInsecureRequests: the sandbox serves plain
// http on 127.0.0.1, which openid-client refuses by default (it does not touch client authentication).
//
// Environment: PSC_ISSUER, PSC_CLIENT_ID, PSC_CLIENT_SECRET, PSC_REDIRECT_URI, PSC_LOGIN_HINT.
import * as client from 'openid-client';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const issuer = new URL(env('PSC_ISSUER'));
const redirectUri = env('PSC_REDIRECT_URI');
const loginHint = env('PSC_LOGIN_HINT');

// What went to the token endpoint, to report which client authentication the library chose by default.
const tokenRequests = [];
const recordingFetch = async (url, options) => {
  if (String(url).endsWith('/protocol/openid-connect/token')) {
    const headers = new Headers(options.headers);
    const body = new URLSearchParams(String(options.body ?? ''));
    tokenRequests.push({
      grant_type: body.get('grant_type'),
      basic: (headers.get('authorization') ?? '').toLowerCase().startsWith('basic '),
      client_secret_in_body: body.has('client_secret'),
    });
  }
  return fetch(url, options);
};

const config = await client.discovery(issuer, env('PSC_CLIENT_ID'), env('PSC_CLIENT_SECRET'), undefined,
  { execute: [client.allowInsecureRequests] });
config[client.customFetch] = recordingFetch;

async function authorize(extra) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid scope_all', acr_values: 'eidas1', login_hint: loginHint,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    state, nonce, ...extra,
  });
  return { response: await fetch(url, { redirect: 'manual' }), verifier, state, nonce };
}

// 1. query (the default): the wallet redirects straight back because of login_hint
const first = await authorize({});
const location = first.response.headers.get('location');
if (first.response.status !== 302 || !location) throw new Error(`authorization: HTTP ${first.response.status}`);
const tokens = await client.authorizationCodeGrant(config, new URL(location),
  { pkceCodeVerifier: first.verifier, expectedState: first.state, expectedNonce: first.nonce });
const idClaims = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);

// 2. form_post: the page's form, posted as the browser would, handed to the library as a Request
const second = await authorize({ response_mode: 'form_post' });
const page = await second.response.text();
const fields = new URLSearchParams();
for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
  fields.append(match[1], match[2].replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&'));
}
const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
const posted = new Request(action, { method: 'POST', body: fields,
  headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const formTokens = await client.authorizationCodeGrant(config, posted,
  { pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: second.nonce });

const payload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
console.log(JSON.stringify({
  issuer: config.serverMetadata().issuer,
  token_requests: tokenRequests,
  id_claims: idClaims,
  access_claims: payload(tokens.access_token),
  session_state: tokens.session_state,
  userinfo,
  refreshed_sub: refreshed.claims()?.sub,
  form_post: { status: second.response.status, sub: formTokens.claims().sub },
}));
