import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineConfig, type Plugin } from "vitest/config";

const PREFIX = "\0css-text:";

/** Import .css files as strings, as the esbuild build does (loader "text"). */
function cssAsText(): Plugin {
  return {
    name: "css-as-text",
    enforce: "pre",
    resolveId(source, importer) {
      if (source.startsWith(PREFIX)) return source;
      if (!source.endsWith(".css") || !importer || importer.startsWith(PREFIX)) return null;
      // The ".js" suffix keeps Vite's own CSS handling away from the module.
      return `${PREFIX}${resolve(dirname(importer), source)}.js`;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      return `export default ${JSON.stringify(readFileSync(id.slice(PREFIX.length, -3), "utf8"))};`;
    },
  };
}

export default defineConfig({
  plugins: [cssAsText()],
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    setupFiles: ["test/setup.ts"],
  },
});
