/**
 * `node:https` for the bundle, loaded with `require` for the same reason as ./http.ts: an ES
 * module import would build its whole namespace at the first cold start's cost.
 */
import type * as Https from 'node:https';
import { createRequire } from 'node:module';

const https: typeof Https = createRequire(import.meta.url)('node:https');
export default https;
