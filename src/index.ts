/**
 * The package's entry: Tessera inside a Slack app's own test suite (slack-compat.md §12).
 *
 *   import { startTessera } from 'tessera';
 *   const t = await startTessera({ fixture });
 */
export { startTessera } from './kit/start.ts';
export type { InstallOptions, KitClock, RequestFilter, StartOptions, TestTessera } from './kit/start.ts';
export type { FaultTarget, KitFaults } from './kit/faults.ts';
export { InstallError } from './install/headless.ts';
export { FixtureError } from './domain/fixture.ts';
export type { ExchangeOptions, HeadlessInstallRequest, InstallRedirect, OAuthAnswer } from './install/headless.ts';
export type { Fixture, FixtureApp, FixtureToken } from './domain/fixture.ts';
export type { Fault } from './webapi/faults.ts';
export type { LoggedRequest } from './webapi/request-log.ts';
