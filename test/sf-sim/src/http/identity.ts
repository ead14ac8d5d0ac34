import type { SimContext, WireResponse } from './context.js';
import { identityUrl } from './oauth.js';
import type { Session } from './sessions.js';

/**
 * The identity URL `/id/{orgId}/{userId}` and OpenID `/services/oauth2/userinfo`
 * (Salesforce Help, "Identity URLs": https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm&type=5, and "UserInfo Endpoint":
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm&type=5). Bad tokens get the real answer: 403 with the
 * plain-text body `Bad_OAuth_Token` (a missing one: 401 `Missing_OAuth_Token`).
 */
export function identityAuthError(token: string | undefined): WireResponse {
  const text = token ? 'Bad_OAuth_Token' : 'Missing_OAuth_Token';
  return {
    status: token ? 403 : 401,
    stream: [Buffer.from(text)],
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
  };
}

function urls(ctx: SimContext, userId: string): Record<string, string> {
  const b = ctx.baseUrl;
  const data = `${b}/services/data/v{version}`;
  return {
    enterprise: `${b}/services/Soap/c/{version}/${ctx.org.orgId}`,
    metadata: `${b}/services/Soap/m/{version}/${ctx.org.orgId}`,
    partner: `${b}/services/Soap/u/{version}/${ctx.org.orgId}`,
    rest: `${data}/`,
    sobjects: `${data}/sobjects/`,
    search: `${data}/search/`,
    query: `${data}/query/`,
    recent: `${data}/recent/`,
    tooling_soap: `${b}/services/Soap/T/{version}/${ctx.org.orgId}`,
    tooling_rest: `${data}/tooling/`,
    profile: `${b}/${userId}`,
    feeds: `${data}/chatter/feeds`,
    groups: `${data}/chatter/groups`,
    users: `${data}/chatter/users`,
    feed_items: `${data}/chatter/feed-items`,
    feed_elements: `${data}/chatter/feed-elements`,
    custom_domain: b,
  };
}

function common(ctx: SimContext) {
  const u = ctx.org.integrationUser;
  return {
    photos: { picture: `${ctx.baseUrl}/profilephoto/005/F`, thumbnail: `${ctx.baseUrl}/profilephoto/005/T` },
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    name: `${u.firstName} ${u.lastName}`,
  };
}

export function identityBody(ctx: SimContext, session: Session): WireResponse {
  const u = ctx.org.integrationUser;
  const c = common(ctx);
  return {
    status: 200,
    json: {
      id: identityUrl(ctx, session.userId),
      asserted_user: true,
      user_id: u.id,
      organization_id: ctx.org.orgId,
      username: u.username,
      nick_name: u.username.split('@')[0],
      display_name: c.name,
      email: u.email,
      email_verified: true,
      first_name: u.firstName,
      last_name: u.lastName,
      timezone: 'GMT',
      photos: c.photos,
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: 'US',
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: urls(ctx, u.id),
      active: c.active,
      user_type: c.user_type,
      language: c.language,
      locale: c.locale,
      utcOffset: c.utcOffset,
      last_modified_date: '2024-01-01T00:00:00Z',
      is_app_installed: true,
    },
  };
}

export function userinfoBody(ctx: SimContext, session: Session): WireResponse {
  const u = ctx.org.integrationUser;
  const c = common(ctx);
  return {
    status: 200,
    json: {
      sub: identityUrl(ctx, session.userId),
      user_id: u.id,
      organization_id: ctx.org.orgId,
      preferred_username: u.username,
      nickname: u.username.split('@')[0],
      name: c.name,
      email: u.email,
      email_verified: true,
      given_name: u.firstName,
      family_name: u.lastName,
      zoneinfo: 'GMT',
      photos: c.photos,
      profile: `${ctx.baseUrl}/${u.id}`,
      picture: c.photos.picture,
      address: { country: 'US' },
      is_salesforce_integration_user: false,
      urls: urls(ctx, u.id),
      active: c.active,
      user_type: c.user_type,
      language: c.language,
      locale: c.locale,
      utcOffset: c.utcOffset,
      updated_at: '2024-01-01T00:00:00Z',
    },
  };
}
