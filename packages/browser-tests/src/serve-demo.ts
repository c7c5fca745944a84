import { DEMO_ENTRIES, DEMO_FILES } from './demo-build.js';
import { startHarness } from './harness.js';

// Bundles and serves the demo, opens nothing: prints the URL to open in a browser. Ctrl-C stops it.
const harness = await startHarness(DEMO_ENTRIES, DEMO_FILES, {}, { launch: false });
console.log(`resblocks demo: ${harness.server.origin}/app/index.html`);
process.on('SIGINT', () => {
  void harness.close().then(() => process.exit(0));
});
