// Testing aid: send a ccxt client's HTTP to another base URL (a fake exchange on loopback) while keeping
// ccxt's own URLs, so exchange-specific behaviour chosen by URL (Binance's error tables) stays as in
// production. Enabled in botd only by BOTCTL_EXCHANGE_REDIRECT; never set it in production.

/** Carries the host ccxt addressed (e.g. demo-fapi.binance.com), for the fake's request log. */
export const ORIGINAL_HOST_HEADER = 'x-original-host';

interface LegacyFetchParams {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export function redirectTransport(exchange: object, baseUrl: string): void {
  const base = baseUrl.replace(/\/+$/, '');
  const ex = exchange as Record<string, unknown>;
  ex['fetchImplementation'] = async (url: string, params: LegacyFetchParams = {}): Promise<Response> => {
    const host = /^https?:\/\/([^/]+)/.exec(url)?.[1] ?? '';
    const init: RequestInit = { method: params.method ?? 'GET', headers: { ...(params.headers ?? {}), [ORIGINAL_HOST_HEADER]: host } };
    if (params.body !== undefined) init.body = params.body;
    if (params.signal !== undefined) init.signal = params.signal;
    return fetch(url.replace(/^https?:\/\/[^/]+/, base), init);
  };
  // ccxt 4.5 calls undici directly once it has loaded it, bypassing fetchImplementation.
  ex['fetchIsNative'] = false;
  ex['undiciModule'] = undefined;
  ex['fetchImplementationLoading'] = undefined;
}
