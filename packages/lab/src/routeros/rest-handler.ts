import type http from 'node:http';
import type { RouterModel } from './router-model.js';

/** What the REST handler needs of a simulated router. */
export interface RestRouter {
  readonly model: RouterModel;
  readonly faults: { readonly slowReplyMs?: number; readonly rejectLogin?: boolean };
  readonly stats: { commands: number; lastHost?: string };
}

/** Menus that REST prints as one object rather than an array. */
const SINGLE = new Set(['/system/resource', '/system/identity', '/system/routerboard']);

/**
 * The RouterOS 7 REST API for GET prints: `GET /rest/<menu>?.proplist=a,b` with HTTP Basic
 * authentication, answered with the same data as the API, as JSON strings.
 */
export function restHandler(
  router: RestRouter,
  later: (fn: () => void, ms: number) => void,
): http.RequestListener {
  return (req, res) => {
    const send = (status: number, body: unknown) => {
      const write = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const delay = router.faults.slowReplyMs ?? 0;
      if (delay > 0) later(write, delay);
      else write();
    };
    if (req.headers.host !== undefined) router.stats.lastHost = req.headers.host;
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [name, ...rest] = Buffer.from(auth?.[1] ?? '', 'base64')
      .toString('utf8')
      .split(':');
    const user = router.model.users[name ?? ''];
    if (router.faults.rejectLogin || !user || user.password !== rest.join(':')) {
      send(401, { error: 401, message: 'Unauthorized' });
      return;
    }
    if (user.api === false) {
      send(403, { error: 403, message: 'Forbidden' });
      return;
    }
    const url = new URL(req.url ?? '/', 'https://router');
    if (req.method !== 'GET' || !url.pathname.startsWith('/rest/')) {
      send(400, { error: 400, message: 'Bad Request' });
      return;
    }
    router.stats.commands++;
    const path = url.pathname.slice('/rest'.length);
    const items = router.model.print(path);
    if (items === undefined) {
      send(404, { error: 404, message: 'Not Found' });
      return;
    }
    const proplist = url.searchParams.get('.proplist')?.split(',');
    const shaped = items.map((it) =>
      proplist
        ? Object.fromEntries(proplist.filter((k) => it[k] !== undefined).map((k) => [k, it[k]]))
        : it,
    );
    send(200, SINGLE.has(path) ? (shaped[0] ?? {}) : shaped);
  };
}
