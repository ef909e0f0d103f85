// Browser set-up, imported first by the browser entry (index.browser.ts): installs the browser platform
// (no files, no worker threads; errors name the browser's alternative) and @ln/wasm's browser entry.
import "@ln/wasm";
import { browserPlatform, installPlatform } from "./internal/platform";

installPlatform(browserPlatform);
