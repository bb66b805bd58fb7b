/**
 * The build of the demo page's script. The server replaces this placeholder with the build's content hash when it
 * bundles the page (demo/build-demo-app.ts), so the script, the HTML and the style sheet of one build name the same
 * version, and a page can prove it never mixes two builds.
 */

/** Content hash of the build this script belongs to (the placeholder when not served by demo/serve-demo-app.ts). */
export const APP_BUILD: string = '__LIFELINE_APP_BUILD__'
