import type { NextFunction, Request, Response } from 'express';
import { ServiceError } from '../service/issuing.js';
import { authenticate, hasScope, type Scope } from '../service/tokens.js';
import type { Storage } from '../storage/types.js';

/**
 * Bearer-token authentication: 401 without a valid token, 403 without the scope (`null`: any
 * valid token will do). The token goes to `res.locals.token`.
 */
export function bearerAuth(storage: Storage, scope: Scope | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    (m ? authenticate(storage, m[1]!) : Promise.resolve(null))
      .then((token) => {
        if (!token) {
          res.set('WWW-Authenticate', 'Bearer realm="microcred"');
          throw new ServiceError(401, 'MC_UNAUTHORIZED', m ? 'the bearer token is not valid' : 'this endpoint needs a bearer token (Authorization: Bearer mc_…)');
        }
        if (scope !== null && !hasScope(token, scope)) throw new ServiceError(403, 'MC_FORBIDDEN', `the token lacks the "${scope}" scope`);
        res.locals.token = token;
        next();
      })
      .catch(next);
  };
}
