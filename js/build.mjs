// Bundles src/widget.ts into the Python package's static folder.
import * as esbuild from "esbuild";
import { writeNotices } from "./notices.mjs";

const watch = process.argv.includes("--watch");
const harness = process.argv.includes("--harness");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: ["src/widget.ts"],
  outfile: "../mixwidget/static/widget.js",
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  loader: { ".css": "text" },
  logLevel: "info",
};

if (harness) {
  // Preview page for local checks: dev/index.html loads dev/dist/harness.js.
  await esbuild.build({
    ...options,
    entryPoints: ["dev/harness.ts"],
    outfile: "dev/dist/harness.js",
    minify: false,
  });
} else if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  const count = writeNotices(result.metafile, options.outfile);
  console.log(`  THIRD-PARTY-NOTICES.txt: ${count} bundled packages`);
}
