import { registerHooks } from 'node:module';

/**
 * `import … from 'tessera'` as an app's test suite writes it, answered from this checkout's source: the examples
 * run in `npm test` without a build. Load with `node --import`.
 */
const entry = new URL('../../src/index.ts', import.meta.url).href;
registerHooks({
  resolve: (specifier, context, next) => next(specifier === 'tessera' ? entry : specifier, context),
});
