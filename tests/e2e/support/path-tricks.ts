/**
 * Request targets that try to reach the API around the authenticated `/api` route: dot segments,
 * doubled slashes, case, percent-encoded slashes and dots. Sent byte for byte (see `sendTo` of
 * ./gateway-client.ts). Each gateway must either refuse them, route them elsewhere, or send them
 * through its external auth; none may reach the API unauthenticated.
 */
export const PATH_TRICKS: readonly string[] = [
  '/api/../auth/me',
  '//api/me',
  '/API/me',
  '/Api/me',
  '/api%2fme',
  '/api%2Fme',
  '/api/%2e%2e/auth/me',
  '/api/%2E%2E/auth/me',
  '/.well-known/../api/me',
  '/.well-known/%2e%2e/api/me',
  '/auth/../api/me',
  '/auth/%2e%2e/api/me',
  '/auth/..%2fapi/me',
  '/auth/%2e%2e%2fapi/me',
  '/%61pi/me',
  '/./api/me',
  '/api/./me',
  '/api//me',
  '/api/me/../../api/me',
  '/auth/me/../../api/orders',
  '/api;/me',
  '/api/me;x=1',
  '/api',
  '/api/',
  '/apix',
  '/api%00/me',
  '/api\\me',
];
