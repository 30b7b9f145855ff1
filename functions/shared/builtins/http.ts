/**
 * `node:http` for the bundle, loaded with `require` (lambda-bundling.ts aliases the SDK's
 * `import http from "node:http"` here). An ES module import of it makes Node 22 and later read
 * every export to build the module's namespace, WebSocket, CloseEvent and MessageEvent
 * included, and those lazy getters load undici: about a fifth of each cold start's import and
 * 2.4 MB of every environment's memory, for classes the functions never use.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';

const http: typeof Http = createRequire(import.meta.url)('node:http');
export default http;
