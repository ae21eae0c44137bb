/** Minifies one bundled .js file in place (see minify.mjs). */
export function minifyBundleFile(path: string): void;
