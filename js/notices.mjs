// The notices of the npm packages bundled into widget.js (vega, vega-lite, vega-embed, d3, ...):
// name, version, licence and licence text of every package esbuild took a file from, written beside
// the bundle so that the wheel and the sdist carry them with it.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Package folders (node_modules/<name> or node_modules/@scope/<name>) of the bundle's inputs. */
function bundledPackages(metafile) {
  const found = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (match) found.add(match[1]);
  }
  return [...found].sort();
}

function licenceText(folder) {
  const file = readdirSync(folder).find((f) => /^(licen[cs]e|copying|notice)/i.test(f));
  if (!file)
    throw new Error(`${folder} is bundled but has no LICENSE file: add its notice by hand`);
  return readFileSync(join(folder, file), "utf8").trim();
}

/** Write THIRD-PARTY-NOTICES.txt beside `outfile` for the packages in esbuild's `metafile`. */
export function writeNotices(metafile, outfile) {
  const parts = bundledPackages(metafile).map((folder) => {
    const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    return `${meta.name} ${meta.version} (${meta.license})\n\n${licenceText(folder)}\n`;
  });
  const head =
    "widget.js bundles the following npm packages, each under its own licence.\n" +
    "mixwidget itself is under the MIT licence (LICENSE).\n";
  writeFileSync(
    join(dirname(outfile), "THIRD-PARTY-NOTICES.txt"),
    [head, ...parts].join(`\n${"-".repeat(72)}\n\n`),
  );
  return parts.length;
}
